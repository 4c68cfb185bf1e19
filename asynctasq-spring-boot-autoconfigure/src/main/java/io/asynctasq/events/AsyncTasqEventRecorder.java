package io.asynctasq.events;

/**
 * Receives every event beside the application's {@link AsyncTasqEventListener}, without replacing it: what
 * the library itself records from events (metrics). Every bean of this type receives each event. Called on
 * task threads, so it must be cheap; one that throws is logged and does not disturb the task.
 */
@FunctionalInterface
public interface AsyncTasqEventRecorder {

	void record(AsyncTasqEvent event);

}
