package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.events.WorkerEvent;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;

/** In a Spring application, task and worker events reach {@code @EventListener} methods. */
class WorkerSpringEventsTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
		.withUserConfiguration(EventsConfiguration.class)
		.withPropertyValues("asynctasq.worker.heartbeat-interval=50ms", "asynctasq.worker.poll-interval=50ms",
				"asynctasq.task-defaults.max-attempts=2", "asynctasq.task-defaults.retry-delay=100ms",
				"asynctasq.task-defaults.jitter=0");

	@Test
	void workerAndTaskEventsArePublishedAsApplicationEvents() {
		Listener listener = new Listener();
		this.contextRunner.withBean(Listener.class, () -> listener).run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			String ok = dispatcher.dispatch("events.ok");
			String failing = dispatcher.dispatch("events.failing");

			await().atMost(Duration.ofSeconds(10))
				.until(() -> listener.of(TaskEvent.Completed.class, ok).size() == 1
						&& listener.of(TaskEvent.DeadLettered.class, failing).size() == 1
						&& !listener.of(WorkerEvent.Heartbeat.class).isEmpty());

			assertThat(listener.of(TaskEvent.Enqueued.class, ok)).hasSize(1);
			assertThat(listener.workerSide(ok)).hasExactlyElementsOfTypes(TaskEvent.Started.class,
					TaskEvent.Completed.class);
			assertThat(listener.workerSide(failing)).hasExactlyElementsOfTypes(TaskEvent.Started.class,
					TaskEvent.Retrying.class, TaskEvent.Started.class, TaskEvent.Failed.class,
					TaskEvent.DeadLettered.class);
			Worker worker = context.getBean(Worker.class);
			assertThat(listener.of(WorkerEvent.Heartbeat.class))
				.allSatisfy((beat) -> assertThat(beat.workerId()).isEqualTo(worker.workerId()));
			assertThat(listener.of(WorkerEvent.Offline.class)).isEmpty();
		});

		List<WorkerEvent> workerEvents = listener.of(WorkerEvent.class);
		assertThat(workerEvents.get(0)).isInstanceOfSatisfying(WorkerEvent.Online.class, (online) -> {
			assertThat(online.queues()).containsExactly("default");
			assertThat(online.concurrency()).isEqualTo(10);
		});
		assertThat(workerEvents.get(workerEvents.size() - 1)).isInstanceOfSatisfying(WorkerEvent.Offline.class,
				(offline) -> assertThat(offline.processed()).isEqualTo(3));
		assertThat(listener.of(WorkerEvent.Online.class)).hasSize(1);
		assertThat(listener.of(WorkerEvent.Offline.class)).hasSize(1);
	}

	@Configuration(proxyBeanMethods = false)
	static class EventsConfiguration {

		@Bean
		EventTasks eventTasks() {
			return new EventTasks();
		}

	}

	static class EventTasks {

		@Task(name = "events.ok")
		public void ok() {
		}

		@Task(name = "events.failing")
		public void failing() {
			throw new IllegalStateException("failing on purpose");
		}

	}

	static class Listener {

		private final List<AsyncTasqEvent> events = new CopyOnWriteArrayList<>();

		@EventListener
		void on(AsyncTasqEvent event) {
			this.events.add(event);
		}

		<T> List<T> of(Class<T> type) {
			return this.events.stream().filter(type::isInstance).map(type::cast).toList();
		}

		<T extends TaskEvent> List<T> of(Class<T> type, String taskId) {
			return of(type).stream().filter((event) -> event.taskId().equals(taskId)).toList();
		}

		/** Events published by the worker about a task (the dispatcher publishes Enqueued). */
		List<TaskEvent> workerSide(String taskId) {
			return of(TaskEvent.class, taskId).stream()
				.filter((event) -> !(event instanceof TaskEvent.Enqueued))
				.toList();
		}

	}

}
