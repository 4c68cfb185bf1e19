package io.asynctasq.dispatch;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Backoff;
import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Per-dispatch options beat the annotation, which beats the configured defaults. */
class DispatchOptionsPrecedenceTests {

	@Test
	void maxAttemptsFromDispatchThenAnnotationThenDefaults() {
		AlwaysFailing tasks = new AlwaysFailing();
		try (AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(tasks)
			.taskDefaults(new TaskOptions(null, 3, null, Duration.ofMillis(10), Backoff.FIXED, null, 0.0, null))
			.pollInterval(Duration.ofMillis(100))
			.build()) {
			TaskDispatcher dispatcher = runtime.dispatcher();
			String annotated = dispatcher.dispatch(AlwaysFailing::fiveAttempts, "a", null);
			String overridden = dispatcher.task("AlwaysFailing.fiveAttempts").maxAttempts(1).dispatch("b");
			String overriddenUp = dispatcher.task("AlwaysFailing.silent").maxAttempts(4).dispatch("c");
			String defaulted = dispatcher.dispatch(AlwaysFailing::silent, "d", null);

			await().atMost(Duration.ofSeconds(10)).until(() -> runtime.driver().counts("default").deadLettered() == 4);

			assertThat(tasks.attempts(annotated)).isEqualTo(5);
			assertThat(tasks.attempts(overridden)).isEqualTo(1);
			assertThat(tasks.attempts(overriddenUp)).isEqualTo(4);
			assertThat(tasks.attempts(defaulted)).isEqualTo(3);
			assertThat(tasks.maxAttemptsSeen).containsEntry(annotated, 5)
				.containsEntry(overridden, 1)
				.containsEntry(overriddenUp, 4)
				.containsEntry(defaulted, 3);
			assertThat(runtime.driver().deadLetters("default", 0, 10)).allSatisfy((dead) -> assertThat(dead.attempts())
				.isEqualTo(tasks.attempts(dead.id())));
		}
	}

	@Test
	void queueFromDispatchThenAnnotationThenDefaultQueue() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
			.withUserConfiguration(QueueTasksConfiguration.class)
			.withPropertyValues("asynctasq.worker.enabled=false", "asynctasq.default-queue=fallback")
			.run((context) -> {
				TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
				QueueDriver driver = context.getBean(QueueDriver.class);
				dispatcher.dispatch(QueueTasks::toEmails, "1");
				dispatcher.dispatch(QueueTasks::toEmails, "2");
				dispatcher.task("QueueTasks.toEmails").onQueue("urgent").dispatch("3");
				dispatcher.dispatch(QueueTasks::unrouted, "4");
				dispatcher.task("QueueTasks.unrouted").onQueue("urgent").dispatch("5");
				dispatcher.dispatch("Remote.task", "6");
				dispatcher.task("QueueTasks.toEmails").delay(Duration.ofMinutes(1)).dispatch("7");

				assertThat(driver.counts("emails")).isEqualTo(new QueueCounts(2, 1, 0, 0));
				assertThat(driver.counts("urgent")).isEqualTo(new QueueCounts(2, 0, 0, 0));
				assertThat(driver.counts("fallback")).isEqualTo(new QueueCounts(2, 0, 0, 0));
				assertThat(driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
			});
	}

	@Test
	void timeoutFromDispatchBeatsTheAnnotation() {
		Slow slow = new Slow();
		try (AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(slow)
			.taskDefaults(new TaskOptions(null, 1, null, Duration.ofMillis(10), Backoff.FIXED, null, 0.0, null))
			.pollInterval(Duration.ofMillis(100))
			.build()) {
			// annotated with a 50 ms timeout; the dispatch allows 10 s
			runtime.dispatcher().task("Slow.work").timeout(Duration.ofSeconds(10)).dispatch(300);
			await().atMost(Duration.ofSeconds(5)).until(() -> slow.finished.get() == 1);
			// with the annotation's timeout it is interrupted and dead-lettered
			runtime.dispatcher().dispatch(Slow::work, 2_000);
			await().atMost(Duration.ofSeconds(5)).until(() -> runtime.driver().counts("default").deadLettered() == 1);
			assertThat(runtime.driver().deadLetters("default", 0, 1)).singleElement()
				.satisfies((dead) -> assertThat(dead.failure().errorClass()).contains("Timeout"));
			assertThat(slow.finished).hasValue(1);
		}
	}

	static class AlwaysFailing {

		final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

		final Map<String, Integer> maxAttemptsSeen = new ConcurrentHashMap<>();

		@Task(maxAttempts = 5)
		public void fiveAttempts(String label, TaskContext context) {
			fail(context);
		}

		@Task
		public void silent(String label, TaskContext context) {
			fail(context);
		}

		private void fail(TaskContext context) {
			this.calls.computeIfAbsent(context.taskId(), (id) -> new AtomicInteger()).incrementAndGet();
			this.maxAttemptsSeen.put(context.taskId(), context.maxAttempts());
			throw new IllegalStateException("always fails");
		}

		int attempts(String taskId) {
			AtomicInteger count = this.calls.get(taskId);
			return (count != null) ? count.get() : 0;
		}

	}

	static class Slow {

		final AtomicInteger finished = new AtomicInteger();

		/** Never opened: the task blocks on it as on slow I/O, until its time is up or it is interrupted. */
		private final CountDownLatch slowIo = new CountDownLatch(1);

		@Task(timeout = "50ms")
		public void work(int millis) throws InterruptedException {
			this.slowIo.await(millis, TimeUnit.MILLISECONDS);
			this.finished.incrementAndGet();
		}

	}

	static class QueueTasks {

		@Task(queue = "emails")
		public void toEmails(String id) {
		}

		@Task
		public void unrouted(String id) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class QueueTasksConfiguration {

		@Bean
		QueueTasks queueTasks() {
			return new QueueTasks();
		}

	}

}
