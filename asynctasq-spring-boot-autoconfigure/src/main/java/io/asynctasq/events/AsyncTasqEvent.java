package io.asynctasq.events;

import java.time.Instant;

/**
 * Something that happened to a task or a worker. Published as Spring application events (listen with
 * {@code @EventListener}) and to any {@link AsyncTasqEventListener} of the standalone runtime.
 */
public sealed interface AsyncTasqEvent permits TaskEvent, WorkerEvent {

	/** When it happened. */
	Instant timestamp();

}
