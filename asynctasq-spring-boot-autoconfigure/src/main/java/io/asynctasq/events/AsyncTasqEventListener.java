package io.asynctasq.events;

import java.util.List;

import org.slf4j.LoggerFactory;

/** Receives events. A listener that throws is logged and does not disturb the task. */
@FunctionalInterface
public interface AsyncTasqEventListener {

	/** A listener that ignores every event. */
	AsyncTasqEventListener NONE = (event) -> {
	};

	void onEvent(AsyncTasqEvent event);

	/**
	 * A listener that hands each event to every one of {@code recorders}, then to {@code listener}; {@code listener}
	 * itself when there are no recorders.
	 */
	static AsyncTasqEventListener withRecorders(AsyncTasqEventListener listener, List<AsyncTasqEventRecorder> recorders) {
		if (recorders.isEmpty()) {
			return listener;
		}
		AsyncTasqEventRecorder[] all = recorders.toArray(new AsyncTasqEventRecorder[0]);
		return (event) -> {
			for (AsyncTasqEventRecorder recorder : all) {
				try {
					recorder.record(event);
				}
				catch (RuntimeException ex) {
					LoggerFactory.getLogger(AsyncTasqEventRecorder.class).warn("Event recorder failed on {}", event, ex);
				}
			}
			deliver(listener, event);
		};
	}

	/** Delivers {@code event}, logging instead of throwing if the listener fails. */
	static void deliver(AsyncTasqEventListener listener, AsyncTasqEvent event) {
		try {
			listener.onEvent(event);
		}
		catch (RuntimeException ex) {
			LoggerFactory.getLogger(AsyncTasqEventListener.class).warn("Event listener failed on {}", event, ex);
		}
	}

}
