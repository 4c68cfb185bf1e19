package io.asynctasq.lifecycle;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.events.WorkerEvent;

import org.springframework.context.event.EventListener;

/**
 * What a test shares with the application it starts: the memory driver behind the application's
 * driver bean, and a timeline of what happened, in order.
 */
final class Probe {

	final MemoryDriver memory = new MemoryDriver();

	final List<String> timeline = new CopyOnWriteArrayList<>();

	final Set<String> completed = ConcurrentHashMap.newKeySet();

	final List<TaskEvent> taskEvents = new CopyOnWriteArrayList<>();

	int indexOf(String entry) {
		int index = this.timeline.indexOf(entry);
		if (index < 0) {
			throw new AssertionError("'" + entry + "' is not in the timeline " + this.timeline);
		}
		return index;
	}

	/** Records task and worker events on the timeline, as {@code @EventListener} methods. */
	static class EventRecorder {

		private final Probe probe;

		EventRecorder(Probe probe) {
			this.probe = probe;
		}

		@EventListener
		void taskEvent(TaskEvent event) {
			this.probe.taskEvents.add(event);
			if (event instanceof TaskEvent.Completed) {
				this.probe.completed.add(event.taskId());
			}
		}

		@EventListener
		void workerOffline(WorkerEvent.Offline event) {
			this.probe.timeline.add("worker offline");
		}

	}

}
