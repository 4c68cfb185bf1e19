package io.asynctasq.driver.tck;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The outage behaviour every durable driver must show, with the client's default settings, against its real
 * server behind a {@link CuttableProxy}: while the backend is cut (stopped) or silent (hung, partitioned),
 * health is DOWN within its timeout and dispatches fail within theirs with a {@link DriverException}; once
 * it is back, health is UP again within seconds, the worker processes again by itself and no task
 * dispatched before or after the outage is lost.
 * <p>
 * A driver's test class extends this and builds its driver, with default client settings, for a server on
 * 127.0.0.1 at a given port (the proxy's); resources it opens are handed to {@link #closeAfterTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class DriverOutageContractTests {

	/** The health timeout and dispatch timeout the user gets: the defaults. */
	private static final Duration HEALTH_TIMEOUT = AsyncTasqHealthIndicator.DEFAULT_TIMEOUT;

	private static final Duration DISPATCH_TIMEOUT = io.asynctasq.dispatch.DefaultTaskDispatcher.DEFAULT_TIMEOUT;

	/** What a bound may be overrun by on a loaded 2-core machine: scheduling, not waiting. */
	private static final Duration SLACK = Duration.ofMillis(1500);

	/** How soon after the backend is back health must be UP again. */
	private static final Duration RECOVERY = Duration.ofSeconds(20);

	private final List<AutoCloseable> resources = new ArrayList<>();

	private CuttableProxy proxy;

	private String namespace;

	private String queue;

	/** The port of the real server on 127.0.0.1. */
	protected abstract int serverPort();

	/**
	 * Builds the driver under test for the server at 127.0.0.1:{@code port}, with the client's default
	 * timeouts and pool settings.
	 * @param namespace unique to this test: a key or table prefix, so tests never collide
	 */
	protected abstract QueueDriver createDriver(String namespace, int port) throws Exception;

	/** Deletes what the test created, on a connection of its own (the proxy is closed by then). */
	protected void cleanUp(String namespace, String queue) throws Exception {
	}

	/** Closes {@code resource} after the test (a pool, a connection factory). */
	protected final <T extends AutoCloseable> T closeAfterTest(T resource) {
		this.resources.add(0, resource);
		return resource;
	}

	@BeforeEach
	void startProxy() throws IOException {
		this.proxy = new CuttableProxy(serverPort());
		this.namespace = "outage-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
		this.queue = this.namespace + "-q";
	}

	@AfterEach
	void closeEverything() throws Exception {
		try {
			this.proxy.close();
			for (AutoCloseable resource : this.resources) {
				resource.close();
			}
		}
		finally {
			cleanUp(this.namespace, this.queue);
		}
	}

	@Test
	void aStoppedBackend() throws Exception {
		runOutage(() -> this.proxy.cut());
	}

	@Test
	void aSilentBackend() throws Exception {
		runOutage(() -> this.proxy.silence());
	}

	private void runOutage(Outage outage) throws Exception {
		Work work = new Work();
		CountedCalls calls = new CountedCalls();
		AsyncTasqRuntime runtime = closeAfterTest(AsyncTasq.builder()
			.driver(calls.around(createDriver(this.namespace, this.proxy.port())))
			.tasks(work)
			.concurrency(4)
			// a short lease, so a task whose outcome could not be recorded comes back soon: ours, not the client's
			.taskDefaults(TaskOptions.NONE.withQueue(this.queue)
				.withRetryDelay(Duration.ofMillis(200))
				.withVisibilityTimeout(Duration.ofSeconds(5)))
			.build());
		AsyncTasqHealthIndicator health = closeAfterTest(
				new AsyncTasqHealthIndicator(runtime.driver(), runtime.worker(), () -> List.of(this.queue),
						HEALTH_TIMEOUT, AsyncTasqHealthIndicator.DEFAULT_COUNTS_REFRESH));
		String backend = runtime.driver().name().toLowerCase(Locale.ROOT);

		Set<String> dispatched = ConcurrentHashMap.newKeySet();
		for (int i = 0; i < 20; i++) {
			dispatched.add(runtime.dispatcher().dispatch("outage.work", i));
		}
		// some tasks are running when the backend goes away: they finish during the outage
		Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> work.running.size() >= 2);
		assertThat(health.health().getStatus()).isEqualTo(Status.UP);

		outage.begin();
		int reservesBefore = calls.of("reserve");
		work.gate.countDown();

		CompletableFuture<Void> checks = CompletableFuture.runAsync(() -> {
			for (int i = 0; i < 3; i++) {
				long started = System.nanoTime();
				Health down = health.health();
				assertThat(elapsedSince(started)).as("health check %d answered within its timeout", i)
					.isLessThan(HEALTH_TIMEOUT.plus(SLACK));
				assertThat(down.getStatus()).as("health during the outage: %s", down.getDetails())
					.isEqualTo(Status.DOWN);
				assertThat(down.getDetails()).containsKey("error");
			}
		});
		CompletableFuture<String> async = runtime.dispatcher().dispatchAsync("outage.work", -1);
		long started = System.nanoTime();
		assertThatThrownBy(() -> runtime.dispatcher().dispatch("outage.work", -2))
			.isInstanceOf(DriverException.class)
			.satisfies((error) -> assertThat(error.getMessage().toLowerCase(Locale.ROOT)).contains(backend));
		assertThat(elapsedSince(started)).as("dispatch failed within its timeout")
			.isLessThan(DISPATCH_TIMEOUT.plus(SLACK));
		assertThatThrownBy(() -> async.get(DISPATCH_TIMEOUT.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS))
			.isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOf(DriverException.class);
		checks.get(30, TimeUnit.SECONDS);
		// failing reserve calls are spaced by the worker's back-off (100 ms doubling to 5 s): no busy loop
		assertThat(calls.of("reserve") - reservesBefore).as("reserve calls while the backend was away")
			.isLessThanOrEqualTo(20);

		this.proxy.restore();

		Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200))
			.until(() -> health.health().getStatus().equals(Status.UP));
		for (int i = 20; i < 40; i++) {
			dispatched.add(runtime.dispatcher().dispatch("outage.work", i));
		}
		Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
			.untilAsserted(() -> assertThat(work.completed).containsAll(dispatched));
		assertThat(runtime.driver().deadLetters(this.queue, 0, 10)).as("nothing dead-lettered").isEmpty();
	}

	private static Duration elapsedSince(long startNanos) {
		return Duration.ofNanos(System.nanoTime() - startNanos);
	}

	@FunctionalInterface
	private interface Outage {

		void begin() throws IOException;

	}

	/** The task: the first ones wait for the outage to begin, so they finish while the backend is away. */
	public static class Work {

		final Set<String> running = ConcurrentHashMap.newKeySet();

		final Set<String> completed = ConcurrentHashMap.newKeySet();

		final CountDownLatch gate = new CountDownLatch(1);

		@Task(name = "outage.work")
		public void work(int n, TaskContext context) throws InterruptedException {
			this.running.add(context.taskId());
			this.gate.await(30, TimeUnit.SECONDS);
			this.completed.add(context.taskId());
		}

	}

}
