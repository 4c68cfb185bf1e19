package io.asynctasq.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.inspection.TaskStatus;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskDeclarationException;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

class AsyncTasqRuntimeTests {

	@Test
	void runsRetriesAndDeadLettersWithoutSpringContext() {
		Jobs jobs = new Jobs();
		List<AsyncTasqEvent> events = new CopyOnWriteArrayList<>();
		AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(jobs)
			.taskDefaults(new TaskOptions(null, 3, null, Duration.ofMillis(20), null, null, 0.0, null))
			.pollInterval(Duration.ofMillis(100))
			.listener(events::add)
			.build();
		try (runtime) {
			String ok = runtime.dispatcher().dispatch(Jobs::greet, "Ada", null);
			String flaky = runtime.dispatcher().dispatch("Jobs.flaky", 2);
			String doomed = runtime.dispatcher().dispatch("Jobs.flaky", 99);
			await().atMost(Duration.ofSeconds(10)).until(() -> runtime.driver().counts("default").deadLettered() == 1
					&& jobs.greeted.size() == 1 && events.stream().filter(TaskEvent.Completed.class::isInstance).count() == 2);
			assertThat(jobs.greeted).containsExactly("Ada:1");
			assertThat(runtime.driver().deadLetters("default", 0, 10)).singleElement()
				.satisfies((dead) -> assertThat(dead.id()).isEqualTo(doomed));
			assertThat(events).filteredOn(TaskEvent.Completed.class::isInstance)
				.extracting((e) -> ((TaskEvent.Completed) e).taskId())
				.containsExactlyInAnyOrder(ok, flaky);
		}
		assertThatIllegalStateException().isThrownBy(() -> runtime.dispatcher().dispatch("Jobs.greet", "x"))
			.withMessageContaining("shut down");
	}

	@Test
	void withResultsItsInspectorAnswersWhatBecameOfATask() {
		try (AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(new Jobs())
			.pollInterval(Duration.ofMillis(50))
			.results(Duration.ofMinutes(5))
			.build()) {
			String id = runtime.dispatcher().dispatch("Jobs.twice", 21);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> runtime.inspector().status(id).state() == TaskStatus.State.SUCCEEDED);
			assertThat(runtime.inspector().status(id).resultJson()).isEqualTo("42");
			assertThat(runtime.inspector().queues()).contains("default");
		}
		try (AsyncTasqRuntime runtime = AsyncTasq.builder().tasks(new Jobs()).worker(false).build()) {
			String id = runtime.dispatcher().dispatch("Jobs.twice", 1);
			assertThat(runtime.inspector().status(id).state()).isEqualTo(TaskStatus.State.ENQUEUED);
		}
	}

	@Test
	void aTaskMethodItsProxyCannotCallIsRefusedWhenItIsRegistered() {
		ProxyFactory proxy = new ProxyFactory(new PrivateJobs());
		proxy.setProxyTargetClass(true);
		Object proxied = proxy.getProxy();
		assertThatExceptionOfType(TaskDeclarationException.class)
			.isThrownBy(() -> AsyncTasq.builder().tasks(proxied).worker(false).build())
			.satisfies((ex) -> {
				assertThat(ex.getSource()).isEqualTo("PrivateJobs.hidden()");
				assertThat(ex.getReason()).contains("cannot be invoked on its bean");
				assertThat(ex.getAction()).contains("public, protected or package-private");
			});
	}

	static class PrivateJobs {

		@Task
		private void hidden() {
		}

	}

	static class Jobs {

		final List<String> greeted = new CopyOnWriteArrayList<>();

		final AtomicInteger flakyCalls = new AtomicInteger();

		@Task
		public void greet(String name, TaskContext context) {
			this.greeted.add(name + ":" + context.attempt());
		}

		@Task
		public int twice(int value) {
			return value * 2;
		}

		@Task
		public void flaky(int succeedOnAttempt, TaskContext context) {
			if (context.attempt() < succeedOnAttempt) {
				throw new IllegalStateException("attempt " + context.attempt());
			}
		}

	}

}
