package io.asynctasq.events;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** An event in a worker's life. */
public sealed interface WorkerEvent extends AsyncTasqEvent {

	String workerId();

	/** The worker started fetching from {@code queues}. */
	record Online(String workerId, List<String> queues, int concurrency, Instant timestamp) implements WorkerEvent {
	}

	/** The worker is alive: periodic, with what it is doing. */
	record Heartbeat(String workerId, int active, long processed, Duration uptime, Instant timestamp)
			implements WorkerEvent {
	}

	/** The worker stopped: nothing of it runs any more. */
	record Offline(String workerId, long processed, Instant timestamp) implements WorkerEvent {
	}

}
