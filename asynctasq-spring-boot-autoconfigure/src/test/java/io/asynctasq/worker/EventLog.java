package io.asynctasq.worker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.TaskEvent;


/** Records every event a runtime publishes, for assertions. */
final class EventLog implements AsyncTasqEventListener {

	private final List<AsyncTasqEvent> events = new CopyOnWriteArrayList<>();

	@Override
	public void onEvent(AsyncTasqEvent event) {
		this.events.add(event);
	}

	List<AsyncTasqEvent> all() {
		return List.copyOf(this.events);
	}

	<T extends AsyncTasqEvent> List<T> of(Class<T> type) {
		return this.events.stream().filter(type::isInstance).map(type::cast).toList();
	}

	/** The events of one task, in the order they were published. */
	List<TaskEvent> forTask(String taskId) {
		return this.events.stream()
			.filter(TaskEvent.class::isInstance)
			.map(TaskEvent.class::cast)
			.filter((event) -> event.taskId().equals(taskId))
			.toList();
	}

	<T extends TaskEvent> List<T> of(Class<T> type, String taskId) {
		return forTask(taskId).stream().filter(type::isInstance).map(type::cast).toList();
	}

	/** Waits until the task has published an event of {@code type}; returns the first one. */
	<T extends TaskEvent> T await(Class<T> type, String taskId) {
		TestRuntimes.await().until(() -> !of(type, taskId).isEmpty());
		return of(type, taskId).get(0);
	}

}
