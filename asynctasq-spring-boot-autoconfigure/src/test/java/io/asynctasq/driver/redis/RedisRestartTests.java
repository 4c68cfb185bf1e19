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
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.health.contributor.Status;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Redis crashes while tasks run and comes back: dispatch fails with a clear exception and health is
 * DOWN meanwhile, the worker resumes by itself, and the tasks whose outcome could not be recorded come
 * back when their lease expires: none is lost. Runs its own Redis server (see {@link PrivateRedisServer}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisRestartTests {

	@Test
	void theWorkerResumesAfterARedisCrashAndNoTaskIsLost() throws Exception {
		try (PrivateRedisServer redis = new PrivateRedisServer().start()) {
			LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", redis.port),
					LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
			connectionFactory.afterPropertiesSet();
			connectionFactory.start();
			GatedTasks tasks = new GatedTasks();
			Set<Integer> runningAtCrash = ConcurrentHashMap.newKeySet();
			try (AsyncTasqRuntime runtime = AsyncTasq.builder()
				.driver(new RedisDriver(connectionFactory, "restart"))
				.tasks(tasks)
				.queues("restart")
				.concurrency(2)
				.prefetch(0) // exactly the running tasks hold leases when Redis dies
				.pollInterval(Duration.ofMillis(300))
				.shutdownTimeout(Duration.ofSeconds(2))
				.taskDefaults(new TaskOptions("restart", 5, null, Duration.ofMillis(100), null, null, 0.0,
						Duration.ofSeconds(3)))
				.build()) {
				AsyncTasqHealthIndicator health = new AsyncTasqHealthIndicator(runtime.driver(), List.of("restart"));
				for (int i = 0; i < 10; i++) {
					runtime.dispatcher().dispatch("restart-test.work", i);
				}
				await().atMost(Duration.ofSeconds(10)).until(() -> tasks.started.size() == 2);

				redis.kill();

				assertThatThrownBy(() -> runtime.dispatcher().dispatch("restart-test.work", 99))
					.hasStackTraceContaining(DriverException.class.getName())
					.hasStackTraceContaining("Redis at 127.0.0.1:" + redis.port + " unreachable");
				assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
				// the running tasks finish while Redis is down: their acknowledgement fails (after the command timeout)
				runningAtCrash.addAll(tasks.started);
				tasks.gate.countDown();
				await().atMost(Duration.ofSeconds(20)).until(() -> tasks.finishedAttempts.get() >= 2
						&& runtime.worker().activeCount() == 0);

				redis.start();

				await().atMost(Duration.ofSeconds(60)).until(() -> health.health(true).getStatus().equals(Status.UP));
				runtime.dispatcher().dispatch("restart-test.work", 10);
				await().atMost(Duration.ofSeconds(60)).until(() -> tasks.completed.size() == 11
						&& runtime.driver().counts("restart").equals(QueueCounts.EMPTY));
			}
			finally {
				connectionFactory.destroy();
			}
			assertThat(tasks.completed.keySet()).hasSize(11);
			assertThat(tasks.completed.values()).as("each task ran to its end at least once").allSatisfy(
					(runs) -> assertThat(runs).isPositive());
			assertThat(tasks.rerunAfterCrash).as("tasks whose acknowledgement was lost ran again after their lease")
				.hasSize(2)
				.isEqualTo(runningAtCrash);
		}
	}

	/** Tasks whose first two wait for the gate, so Redis can crash while they run. */
	public static final class GatedTasks {

		final CountDownLatch gate = new CountDownLatch(1);

		final Set<Integer> started = ConcurrentHashMap.newKeySet();

		final Map<Integer, Integer> completed = new ConcurrentHashMap<>();

		final java.util.concurrent.atomic.AtomicInteger finishedAttempts = new java.util.concurrent.atomic.AtomicInteger();

		final Set<Integer> rerunAfterCrash = ConcurrentHashMap.newKeySet();

		@Task(name = "restart-test.work")
		public void work(int number, TaskContext context) throws InterruptedException {
			this.started.add(number);
			if (!this.gate.await(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("gate never opened");
			}
			if (this.completed.merge(number, 1, Integer::sum) > 1) {
				this.rerunAfterCrash.add(number);
			}
			this.finishedAttempts.incrementAndGet();
		}

	}

}
