package io.asynctasq.inspection;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.driver.redis.RedisTestSupport;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task's status by id through {@link TaskInspector} in a Spring application with results enabled: enqueued,
 * delayed, running, retrying with its error, succeeded with its result, dead-lettered, unknown; on the memory
 * driver and on Redis; and with results disabled, what it can still answer.
 */
class TaskStatusTests {

	private static final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
				AsyncTasqRedisAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
		.withBean(StatusTasks.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379",
				"asynctasq.worker.poll-interval=50ms", "asynctasq.worker.queues=default",
				"asynctasq.task-defaults.max-attempts=2", "asynctasq.task-defaults.retry-delay=1500ms",
				"asynctasq.task-defaults.jitter=0", "asynctasq.results.enabled=true");

	@Nested
	class OnTheMemoryDriver {

		@Test
		void everyStateOfATaskWithItsResultOrError() {
			runner.run(TaskStatusTests::assertStates);
		}

		@Test
		void withoutResultsAFinishedTaskIsUnknown() {
			runner.withPropertyValues("asynctasq.results.enabled=false").run(TaskStatusTests::assertWithoutResults);
		}

	}

	@Nested
	class OnRedis {

		@Test
		void everyStateOfATaskWithItsResultOrError() {
			onRedis(runner, TaskStatusTests::assertStates);
		}

		@Test
		void withoutResultsAFinishedTaskIsUnknown() {
			onRedis(runner.withPropertyValues("asynctasq.results.enabled=false"), TaskStatusTests::assertWithoutResults);
		}

		private void onRedis(ApplicationContextRunner runner, ContextConsumer<AssertableApplicationContext> test) {
			String prefix = "status-" + UUID.randomUUID().toString().substring(0, 8);
			try {
				runner.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + prefix).run(test);
			}
			finally {
				RedisTestSupport.deleteKeys(prefix);
			}
		}

	}

	private static void assertStates(ApplicationContext context) throws Exception {
		TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
		TaskInspector inspector = context.getBean(TaskInspector.class);
		StatusTasks tasks = context.getBean(StatusTasks.class);

		String succeeded = dispatcher.dispatch("status.add", 2, 3);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> inspector.status(succeeded).state() == TaskStatus.State.SUCCEEDED);
		TaskStatus done = inspector.status(succeeded);
		assertThat(done.taskName()).isEqualTo("status.add");
		assertThat(done.queue()).isEqualTo("default");
		assertThat(done.attempts()).isEqualTo(1);
		assertThat(done.resultJson()).isEqualTo("5");
		assertThat(done.startedAt()).isNotNull();
		assertThat(done.finishedAt()).isAfterOrEqualTo(done.startedAt());

		String retried = dispatcher.dispatch("status.flaky");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> inspector.status(retried).state() == TaskStatus.State.RETRYING);
		TaskStatus retrying = inspector.status(retried);
		assertThat(retrying.attempts()).isEqualTo(1);
		assertThat(retrying.errorClass()).isEqualTo(IllegalStateException.class.getName());
		assertThat(retrying.errorMessage()).isEqualTo("first attempt fails");
		assertThat(retrying.nextAttemptAt()).isNotNull();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> inspector.status(retried).state() == TaskStatus.State.SUCCEEDED);
		assertThat(inspector.status(retried).attempts()).isEqualTo(2);
		assertThat(inspector.status(retried).resultJson()).isEqualTo("\"second time lucky\"");

		String failed = dispatcher.task("status.fail").maxAttempts(1).dispatch();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> inspector.status(failed).state() == TaskStatus.State.DEAD_LETTERED);
		TaskStatus dead = inspector.status(failed);
		assertThat(dead.errorClass()).isEqualTo(UnsupportedOperationException.class.getName());
		assertThat(dead.errorMessage()).isEqualTo("never works");
		assertThat(dead.enqueuedAt()).isNotNull();

		String delayed = dispatcher.task("status.add").delay(Duration.ofMinutes(5)).dispatch(1, 1);
		TaskStatus later = inspector.status(delayed);
		assertThat(later.state()).isEqualTo(TaskStatus.State.DELAYED);
		assertThat(later.nextAttemptAt()).isAfter(later.enqueuedAt().plus(Duration.ofMinutes(4)));

		// a queue no worker serves here, known from its task's declaration
		String enqueued = dispatcher.dispatch("status.elsewhere");
		assertThat(inspector.status(enqueued).state()).isEqualTo(TaskStatus.State.ENQUEUED);
		assertThat(inspector.status(enqueued).queue()).isEqualTo("elsewhere");

		String running = dispatcher.dispatch("status.block");
		assertThat(tasks.blocking.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(inspector.status(running).state()).isEqualTo(TaskStatus.State.RUNNING);
		assertThat(inspector.status(running).attempts()).isEqualTo(1);
		tasks.release.countDown();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> inspector.status(running).state() == TaskStatus.State.SUCCEEDED);
		assertThat(inspector.status(running).resultJson()).isNull();

		TaskStatus unknown = inspector.status("no-such-task");
		assertThat(unknown.state()).isEqualTo(TaskStatus.State.UNKNOWN);
		assertThat(unknown.detail()).isNotBlank();
	}

	private static void assertWithoutResults(ApplicationContext context) {
		TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
		TaskInspector inspector = context.getBean(TaskInspector.class);
		StatusTasks tasks = context.getBean(StatusTasks.class);
		String succeeded = dispatcher.dispatch("status.add", 2, 3);
		await().atMost(Duration.ofSeconds(10)).until(() -> tasks.added.get() == 1);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> inspector.status(succeeded).state() == TaskStatus.State.UNKNOWN);
		assertThat(inspector.status(succeeded).detail()).contains("asynctasq.results.enabled");
		String delayed = dispatcher.task("status.add").delay(Duration.ofMinutes(5)).dispatch(1, 1);
		assertThat(inspector.status(delayed).state()).isEqualTo(TaskStatus.State.DELAYED);
	}

	static class StatusTasks {

		final AtomicInteger added = new AtomicInteger();

		final AtomicInteger flakyRuns = new AtomicInteger();

		final CountDownLatch blocking = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		@Task(name = "status.add")
		int add(int a, int b) {
			this.added.incrementAndGet();
			return a + b;
		}

		@Task(name = "status.flaky")
		String flaky() {
			if (this.flakyRuns.incrementAndGet() == 1) {
				throw new IllegalStateException("first attempt fails");
			}
			return "second time lucky";
		}

		@Task(name = "status.elsewhere", queue = "elsewhere")
		void elsewhere() {
		}

		@Task(name = "status.fail")
		void fail() {
			throw new UnsupportedOperationException("never works");
		}

		@Task(name = "status.block")
		void block() throws InterruptedException {
			this.blocking.countDown();
			this.release.await(10, TimeUnit.SECONDS);
		}

	}

}
