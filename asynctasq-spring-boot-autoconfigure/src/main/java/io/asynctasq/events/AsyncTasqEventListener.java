package io.asynctasq.events;

import org.slf4j.LoggerFactory;

/** Receives events. A listener that throws is logged and does not disturb the task. */
@FunctionalInterface
public interface AsyncTasqEventListener {

	/** A listener that ignores every event. */
	AsyncTasqEventListener NONE = (event) -> {
	};

	void onEvent(AsyncTasqEvent event);

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
