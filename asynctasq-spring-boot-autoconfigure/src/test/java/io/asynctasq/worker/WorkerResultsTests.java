package io.asynctasq.worker;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqResultsAutoConfiguration;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code asynctasq.results.enabled}, the worker records each attempt's outcome with the driver: what a
 * succeeded task returned as JSON, a retried one RETRYING then SUCCEEDED, a dead-lettered one with its error;
 * without it, nothing. On the memory driver and on Redis, wired by the auto-configuration.
 */
class WorkerResultsTests {

	private static final String[] FAST = { "asynctasq.task-defaults.retry-delay=20ms",
			"asynctasq.task-defaults.backoff=fixed", "asynctasq.task-defaults.jitter=0",
			"asynctasq.worker.poll-interval=100ms" };

	@Nested
	class OnMemory extends Contract {

		@Override
		ApplicationContextRunner runner() {
			return new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
				.withBean(ResultTasks.class)
				.withPropertyValues(FAST);
		}

		@Test
		void enablingResultsOnADriverThatDoesNotStoreThemStopsStartup() {
			runner().withUserConfiguration(NoResultsDriver.class)
				.withPropertyValues("asynctasq.results.enabled=true")
				.run((context) -> {
					assertThat(context).hasFailed();
					assertThat(context.getStartupFailure()).hasStackTraceContaining("asynctasq.results.enabled")
						.hasStackTraceContaining("does not store task results");
				});
		}

	}

	@Nested
	class OnRedis extends Contract {

		private final String prefix = "results-" + UUID.randomUUID().toString().substring(0, 8);

		@Override
		ApplicationContextRunner runner() {
			return new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
						AsyncTasqRedisAutoConfiguration.class, AsyncTasqResultsAutoConfiguration.class,
						AsyncTasqAutoConfiguration.class))
				.withBean(ResultTasks.class)
				.withPropertyValues(FAST)
				.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379",
						"asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + this.prefix);
		}

		@Override
		void cleanUp(org.springframework.context.ApplicationContext context) {
			RedisTestSupport.deleteKeys(context.getBean(LettuceConnectionFactory.class), this.prefix);
		}

	}

	abstract static class Contract {

		abstract ApplicationContextRunner runner();

		void cleanUp(org.springframework.context.ApplicationContext context) {
		}

		@Test
		void succeededTaskRecordsItsReturnValueAsJson() {
			runner().withPropertyValues("asynctasq.results.enabled=true").run((context) -> {
				try {
					QueueDriver driver = context.getBean(QueueDriver.class);
					String id = context.getBean(TaskDispatcher.class).dispatch("results.total", 2, 3);

					TaskResult result = awaitResult(driver, id, TaskResult.Outcome.SUCCEEDED);
					assertThat(result.taskName()).isEqualTo("results.total");
					assertThat(result.queue()).isEqualTo("default");
					assertThat(result.attempts()).isEqualTo(1);
					assertThat(result.valueJson()).isEqualTo("{\"sum\":5,\"items\":[2,3]}");
					assertThat(result.errorClass()).isNull();
					assertThat(result.finishedAt()).isAfterOrEqualTo(result.startedAt());

					String voidId = context.getBean(TaskDispatcher.class).dispatch("results.nothing");
					assertThat(awaitResult(driver, voidId, TaskResult.Outcome.SUCCEEDED).valueJson())
						.as("a void task").isNull();
				}
				finally {
					cleanUp(context);
				}
			});
		}

		@Test
		void retriedTaskShowsRetryingThenSucceeded() {
			runner().withPropertyValues("asynctasq.results.enabled=true").run((context) -> {
				try {
					QueueDriver driver = context.getBean(QueueDriver.class);
					ResultTasks tasks = context.getBean(ResultTasks.class);
					String id = context.getBean(TaskDispatcher.class).dispatch("results.flaky");

					TaskResult retrying = awaitResult(driver, id, TaskResult.Outcome.RETRYING);
					assertThat(retrying.attempts()).isEqualTo(1);
					assertThat(retrying.errorClass()).isEqualTo(IllegalStateException.class.getName());
					assertThat(retrying.errorMessage()).isEqualTo("not yet");
					assertThat(retrying.valueJson()).isNull();
					tasks.secondAttempt.countDown();

					TaskResult succeeded = awaitResult(driver, id, TaskResult.Outcome.SUCCEEDED);
					assertThat(succeeded.attempts()).isEqualTo(2);
					assertThat(succeeded.valueJson()).isEqualTo("\"done\"");
					assertThat(succeeded.errorClass()).isNull();
				}
				finally {
					cleanUp(context);
				}
			});
		}

		@Test
		void deadLetteredTaskRecordsItsError() {
			runner().withPropertyValues("asynctasq.results.enabled=true").run((context) -> {
				try {
					QueueDriver driver = context.getBean(QueueDriver.class);
					String id = context.getBean(TaskDispatcher.class).dispatch("results.failing");

					TaskResult dead = awaitResult(driver, id, TaskResult.Outcome.DEAD_LETTERED);
					assertThat(dead.attempts()).isEqualTo(1);
					assertThat(dead.errorClass()).isEqualTo(IllegalArgumentException.class.getName());
					assertThat(dead.errorMessage()).isEqualTo("never");
					assertThat(dead.valueJson()).isNull();
				}
				finally {
					cleanUp(context);
				}
			});
		}

		@Test
		void valueThatIsNotJsonRecordsNoValue() {
			runner().withPropertyValues("asynctasq.results.enabled=true").run((context) -> {
				try {
					QueueDriver driver = context.getBean(QueueDriver.class);
					String id = context.getBean(TaskDispatcher.class).dispatch("results.unwritable");

					assertThat(awaitResult(driver, id, TaskResult.Outcome.SUCCEEDED).valueJson()).isNull();
				}
				finally {
					cleanUp(context);
				}
			});
		}

		@Test
		void withResultsDisabledNothingIsRecorded() {
			runner().run((context) -> {
				try {
					QueueDriver driver = context.getBean(QueueDriver.class);
					ResultTasks tasks = context.getBean(ResultTasks.class);
					String id = context.getBean(TaskDispatcher.class).dispatch("results.total", 2, 3);

					await().atMost(Duration.ofSeconds(10))
						.until(() -> tasks.totals.get() == 1 && driver.counts("default").equals(QueueCounts.EMPTY));
					assertThat(driver.result(id)).isEmpty();
				}
				finally {
					cleanUp(context);
				}
			});
		}

		private static TaskResult awaitResult(QueueDriver driver, String id, TaskResult.Outcome outcome) {
			return await().atMost(Duration.ofSeconds(10))
				.until(() -> driver.result(id).orElse(null),
						(result) -> result != null && result.outcome() == outcome);
		}

	}

	/** A value Jackson cannot write: its getter throws. */
	public static class Unwritable {

		public String getValue() {
			throw new IllegalStateException("not writable");
		}

	}

	/** The result of {@code results.total}. */
	record Total(int sum, int[] items) {
	}

	static class ResultTasks {

		final AtomicInteger totals = new AtomicInteger();

		final CountDownLatch secondAttempt = new CountDownLatch(1);

		@Task(name = "results.total")
		public Total total(int a, int b) {
			this.totals.incrementAndGet();
			return new Total(a + b, new int[] { a, b });
		}

		@Task(name = "results.nothing")
		public void nothing() {
		}

		@Task(name = "results.flaky", maxAttempts = 3)
		public String flaky(TaskContext context) throws InterruptedException {
			if (context.attempt() == 1) {
				throw new IllegalStateException("not yet");
			}
			this.secondAttempt.await(10, TimeUnit.SECONDS);
			return "done";
		}

		@Task(name = "results.failing", maxAttempts = 1)
		public void failing() {
			throw new IllegalArgumentException("never");
		}

		@Task(name = "results.unwritable")
		public Unwritable unwritable() {
			return new Unwritable();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NoResultsDriver {

		@Bean
		QueueDriver queueDriver() {
			return new MemoryDriver() {

				@Override
				public boolean storesResults() {
					return false;
				}

			};
		}

	}

}
