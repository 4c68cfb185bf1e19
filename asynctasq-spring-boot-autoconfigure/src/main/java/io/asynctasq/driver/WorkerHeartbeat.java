package io.asynctasq.driver;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What one worker says about itself on each beat, stored in the backend so every instance of the cluster can
 * list the live workers ({@link QueueDriver#workers()}). A heartbeat expires when its worker stops beating.
 *
 * @param workerId the worker's id, unique in the cluster
 * @param host the host name of its JVM
 * @param pid the process id of its JVM
 * @param queues the queues it serves, in priority order
 * @param concurrency how many tasks it runs at once at most
 * @param busy how many tasks it was running at the beat
 * @param processed tasks it settled since it started (succeeded, retried or dead-lettered)
 * @param failed attempts of those that failed (retried or dead-lettered)
 * @param startedAt when it started
 * @param lastBeat when this beat was made
 * @param version the library version it runs ("unknown" when the jar does not say)
 */
public record WorkerHeartbeat(String workerId, String host, long pid, List<String> queues, int concurrency, int busy,
		long processed, long failed, Instant startedAt, Instant lastBeat, String version) {

	public WorkerHeartbeat {
		Objects.requireNonNull(workerId, "workerId");
		Objects.requireNonNull(host, "host");
		queues = List.copyOf(queues);
		Objects.requireNonNull(startedAt, "startedAt");
		Objects.requireNonNull(lastBeat, "lastBeat");
		Objects.requireNonNull(version, "version");
	}

}
