package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.inspection.TaskStatus;
import io.asynctasq.observation.ObservationTaskObserver;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A task method returning a {@code Mono} or a {@code Flux} is awaited without holding a task thread: its run slot
 * stays taken until the publisher ends, its error is a failed attempt (retried, then dead-lettered), its timeout
 * and shutdown cancel the subscription, and interceptors and observations see the attempt as usual.
 */
class WorkerReactiveTaskTests {

	private final EventLog events = new EventLog();

	private final ReactiveTasks tasks = new ReactiveTasks();

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	private final AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
		.tasks(this.tasks)
		.executorMode(ExecutorMode.PLATFORM)
		.concurrency(2)
		.results(Duration.ofMinutes(5))
		.executionInterceptors((execution) -> {
			Object result = execution.proceed();
			String tenant = execution.headers().getOrDefault("tenant", "none");
			// a reactive task's publisher comes back unsubscribed: the interceptor can decorate it
			return (result instanceof Mono<?> mono) ? mono.contextWrite((context) -> context.put("tenant", tenant))
					: result;
		})
		.build();

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void pendingPublishersHoldTheirRunSlotsButNoThread() throws Exception {
		Worker worker = this.runtime.worker();
		ThreadPoolExecutor pool = (ThreadPoolExecutor) worker.executor();
		String a = this.runtime.dispatcher().task("reactive.pending").maxAttempts(1).dispatch("a");
		String b = this.runtime.dispatcher().task("reactive.pending").maxAttempts(1).dispatch("b");

		await().until(() -> this.tasks.sinks.size() == 2 && this.tasks.subscribed.get() == 2);
		// both methods returned and both publishers are subscribed; the pool's two threads are idle although both
		// tasks are in flight, holding the worker's two run slots
		await().until(() -> pool.getActiveCount() == 0);
		assertThat(worker.activeCount()).isEqualTo(2);
		assertThat(this.runtime.driver().counts("default")).isEqualTo(new QueueCounts(0, 0, 2, 0));
		CountDownLatch probe = new CountDownLatch(1);
		pool.execute(probe::countDown);
		assertThat(probe.await(5, TimeUnit.SECONDS)).as("a pool thread is free for other work").isTrue();
		assertThat(this.events.of(TaskEvent.Completed.class)).isEmpty();

		this.tasks.sinks.get("a").tryEmitValue("done for a");

		this.events.await(TaskEvent.Completed.class, a);
		await().until(() -> this.runtime.inspector().status(a).state() == TaskStatus.State.SUCCEEDED);
		assertThat(this.runtime.inspector().status(a).resultJson()).isEqualTo("\"done for a\"");
		assertThat(this.events.forTask(b)).noneMatch((event) -> event instanceof TaskEvent.Completed);

		this.tasks.sinks.get("b").tryEmitError(new IllegalStateException("remote call failed"));

		this.events.await(TaskEvent.DeadLettered.class, b);
		assertThat(this.events.of(TaskEvent.Failed.class, b)).singleElement()
			.satisfies((failed) -> assertThat(failed.error()).isInstanceOf(IllegalStateException.class)
				.hasMessage("remote call failed"));
		await().until(() -> worker.activeCount() == 0);
	}

	@Test
	void aFluxIsAwaitedToItsEndAndItsLastValueIsTheResult() {
		String id = this.runtime.dispatcher().dispatch("reactive.count", 5);

		this.events.await(TaskEvent.Completed.class, id);
		await().until(() -> this.runtime.inspector().status(id).state() == TaskStatus.State.SUCCEEDED);
		assertThat(this.runtime.inspector().status(id).resultJson()).isEqualTo("5");
		assertThat(this.tasks.emitted.get()).isEqualTo(5);
	}

	@Test
	void aFailingMonoIsAFailedAttemptAndIsRetried() {
		String id = this.runtime.dispatcher().dispatch("reactive.flaky");

		TaskEvent.Completed completed = this.events.await(TaskEvent.Completed.class, id);
		assertThat(completed.attempt()).isEqualTo(2);
		assertThat(this.events.of(TaskEvent.Retrying.class, id)).singleElement()
			.satisfies((retrying) -> assertThat(retrying.error()).hasMessage("first attempt fails"));
	}

	@Test
	void theTimeoutCancelsTheSubscriptionAndFailsTheAttempt() {
		String id = this.runtime.dispatcher()
			.task("reactive.never")
			.timeout(Duration.ofMillis(200))
			.maxAttempts(2)
			.dispatch();

		this.events.await(TaskEvent.DeadLettered.class, id);
		assertThat(this.tasks.cancelled.get()).isEqualTo(2);
		assertThat(this.events.of(TaskEvent.Retrying.class, id)).singleElement()
			.satisfies((retrying) -> assertThat(retrying.error()).isInstanceOf(TaskTimeoutException.class));
		assertThat(this.events.of(TaskEvent.Failed.class, id)).singleElement()
			.satisfies((failed) -> assertThat(failed.error()).isInstanceOf(TaskTimeoutException.class));
	}

	@Test
	void shutdownCancelsTheSubscriptionAndReleasesTheTask() {
		String id = this.runtime.dispatcher().dispatch("reactive.never");
		await().until(() -> this.tasks.subscribed.get() == 1);

		this.runtime.close();

		assertThat(this.tasks.cancelled.get()).isEqualTo(1);
		assertThat(this.events.of(TaskEvent.Released.class, id)).hasSize(1);
		assertThat(this.events.forTask(id)).noneMatch((event) -> event instanceof TaskEvent.Failed
				|| event instanceof TaskEvent.Completed);
	}

	@Test
	void interceptorsDecorateThePublisherAndTheAttemptIsObserved() {
		this.runtime.worker().setTaskObserver(new ObservationTaskObserver(this.observations));
		String id = this.runtime.dispatcher().dispatch("reactive.tenant");

		this.events.await(TaskEvent.Completed.class, id);
		await().until(() -> this.runtime.inspector().status(id).state() == TaskStatus.State.SUCCEEDED);
		assertThat(this.runtime.inspector().status(id).resultJson()).isEqualTo("\"tenant none\"");
		TestObservationRegistryAssert.assertThat(this.observations)
			.hasObservationWithNameEqualTo("asynctasq.execution")
			.that()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("task", "reactive.tenant")
			.hasLowCardinalityKeyValue("outcome", "success");
	}

	@Test
	void aMonoTaskRunsOnTheRedisDriver() {
		String prefix = "reactive-task-" + UUID.randomUUID();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(null);
		try (AsyncTasqRuntime redis = TestRuntimes.builder(this.events)
			.driver(new RedisDriver(factory, prefix))
			.tasks(this.tasks)
			.results(Duration.ofMinutes(5))
			.build()) {
			String id = redis.dispatcher().dispatch("reactive.delayed", "on redis");
			this.events.await(TaskEvent.Completed.class, id);
			await().until(() -> redis.inspector().status(id).state() == TaskStatus.State.SUCCEEDED);
			assertThat(redis.inspector().status(id).resultJson()).isEqualTo("\"on redis\"");
			assertThat(this.tasks.delayedThreads).singleElement()
				.satisfies((name) -> assertThat(name).startsWith("parallel-"));
		}
		finally {
			RedisTestSupport.deleteKeys(factory, prefix);
			factory.destroy();
		}
	}

	static class ReactiveTasks {

		final Map<String, Sinks.One<String>> sinks = new ConcurrentHashMap<>();

		final AtomicInteger subscribed = new AtomicInteger();

		final AtomicInteger cancelled = new AtomicInteger();

		final AtomicInteger emitted = new AtomicInteger();

		final AtomicInteger flakyCalls = new AtomicInteger();

		final List<String> delayedThreads = new java.util.concurrent.CopyOnWriteArrayList<>();

		@Task(name = "reactive.pending")
		public Mono<String> pending(String key) {
			Sinks.One<String> sink = Sinks.one();
			this.sinks.put(key, sink);
			return sink.asMono().doOnSubscribe((subscription) -> this.subscribed.incrementAndGet());
		}

		@Task(name = "reactive.count")
		public Flux<Integer> count(int upTo) {
			return Flux.range(1, upTo)
				.delayElements(Duration.ofMillis(10))
				.doOnNext((value) -> this.emitted.incrementAndGet());
		}

		@Task(name = "reactive.flaky", retryDelay = "10ms")
		public Mono<Void> flaky() {
			return Mono.defer(() -> (this.flakyCalls.incrementAndGet() == 1)
					? Mono.error(new IllegalStateException("first attempt fails")) : Mono.empty());
		}

		@Task(name = "reactive.never")
		public Mono<Void> never(TaskContext context) {
			return Mono.<Void>never()
				.doOnSubscribe((subscription) -> this.subscribed.incrementAndGet())
				.doOnCancel(this.cancelled::incrementAndGet);
		}

		@Task(name = "reactive.tenant")
		public Mono<String> tenant() {
			return Mono.deferContextual((context) -> Mono.just("tenant " + context.getOrDefault("tenant", "unset")))
				.delayElement(Duration.ofMillis(10));
		}

		@Task(name = "reactive.delayed")
		public Mono<String> delayed(String value) {
			return Mono.delay(Duration.ofMillis(20), Schedulers.parallel())
				.map((tick) -> {
					this.delayedThreads.add(Thread.currentThread().getName());
					return value;
				});
		}

	}

}
