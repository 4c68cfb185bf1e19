package io.asynctasq.driver.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.health.contributor.Status;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Redis crashes while tasks run and comes back, with Lettuce's default settings (a 60 s command timeout):
 * dispatch fails within the dispatch timeout and health is DOWN within its own meanwhile, the worker resumes
 * by itself, and every task runs to its end: none is lost. Runs its own Redis server with an append-only
 * file (see {@link PrivateRedisServer}), so what Redis acknowledged survives its crash.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisRestartTests {

	private static final Duration SLACK = Duration.ofMillis(1500);

	@Test
	void theWorkerResumesAfterARedisCrashAndNoTaskIsLost() throws Exception {
		try (PrivateRedisServer redis = new PrivateRedisServer().start()) {
			LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory(RedisTestSupport.HOST,
					redis.port, null);
			GatedTasks tasks = new GatedTasks();
			try (AsyncTasqRuntime runtime = AsyncTasq.builder()
				.driver(new RedisDriver(connectionFactory, "restart"))
				.tasks(tasks)
				.queues("restart")
				.concurrency(2)
				.prefetch(0) // exactly the running tasks hold leases when Redis dies
				.shutdownTimeout(Duration.ofSeconds(2))
				.taskDefaults(new TaskOptions("restart", 5, null, Duration.ofMillis(100), null, null, 0.0,
						Duration.ofSeconds(3)))
				.build()) {
				AsyncTasqHealthIndicator health = new AsyncTasqHealthIndicator(runtime.driver(), runtime.worker(),
						() -> List.of("restart"), AsyncTasqHealthIndicator.DEFAULT_TIMEOUT,
						AsyncTasqHealthIndicator.DEFAULT_COUNTS_REFRESH);
				for (int i = 0; i < 10; i++) {
					runtime.dispatcher().dispatch("restart-test.work", i);
				}
				await().atMost(Duration.ofSeconds(10)).until(() -> tasks.started.size() == 2);
				Set<Integer> runningAtCrash = Set.copyOf(tasks.started);

				redis.kill();

				long started = System.nanoTime();
				assertThatThrownBy(() -> runtime.dispatcher().dispatch("restart-test.work", 99))
					.isInstanceOf(DriverException.class)
					.hasMessageContaining("redis backend");
				assertThat(Duration.ofNanos(System.nanoTime() - started))
					.isLessThan(DefaultTaskDispatcher.DEFAULT_TIMEOUT.plus(SLACK));
				started = System.nanoTime();
				assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
				assertThat(Duration.ofNanos(System.nanoTime() - started))
					.isLessThan(AsyncTasqHealthIndicator.DEFAULT_TIMEOUT.plus(SLACK));
				// the running tasks finish while Redis is down: recording their outcome waits for it
				tasks.gate.countDown();

				redis.start();

				await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.UP));
				runtime.dispatcher().dispatch("restart-test.work", 10);
				await().atMost(Duration.ofSeconds(60)).until(() -> tasks.completed.keySet().containsAll(
						List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
						&& runtime.driver().counts("restart").equals(QueueCounts.EMPTY));
				assertThat(tasks.completed.keySet()).containsAll(runningAtCrash);
				assertThat(runtime.driver().deadLetters("restart", 0, 10)).isEmpty();
			}
			finally {
				connectionFactory.destroy();
			}
			assertThat(tasks.completed.values()).as("each task ran to its end at least once")
				.allSatisfy((runs) -> assertThat(runs).isPositive());
		}
	}

	/** Tasks that wait for the gate, so Redis can crash while the first two run. */
	public static final class GatedTasks {

		final CountDownLatch gate = new CountDownLatch(1);

		final Set<Integer> started = ConcurrentHashMap.newKeySet();

		final Map<Integer, Integer> completed = new ConcurrentHashMap<>();


		@Task(name = "restart-test.work")
		public void work(int number, TaskContext context) throws InterruptedException {
			this.started.add(number);
			if (!this.gate.await(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("gate never opened");
			}
			this.completed.merge(number, 1, Integer::sum);
		}

	}

}
