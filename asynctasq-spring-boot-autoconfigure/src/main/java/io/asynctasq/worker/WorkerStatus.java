package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What a worker is doing, read at one moment: for health and operators.
 *
 * @param state running, draining (stopping, finishing its tasks) or stopped
 * @param queues queues served, in strict priority order (empty before the first start)
 * @param concurrency maximum tasks running at once
 * @param inFlight tasks reserved and not finished (running or prefetched)
 * @param busy run slots taken: tasks running or being handed a thread
 * @param prefetched reserved tasks waiting for a free run slot
 * @param processed attempts finished since the worker was created
 * @param lastFetchAt when a reserve call last returned (with or without tasks), or {@code null}
 * @param fetchFailures reserve calls that failed in a row since the last one that returned
 * @param lastFetchFailure the error of the last failed reserve call while failures go on, or {@code null}
 * @param reserveRunningFor how long the reserve call under way has been running, or {@code null} when the fetch
 * loop is not in one (it may be waiting for a free slot)
 * @param fetcherAlive whether the fetch loop's thread is alive (always {@code false} when stopped)
 */
public record WorkerStatus(State state, List<String> queues, int concurrency, int inFlight, int busy, int prefetched,
		long processed, @Nullable Instant lastFetchAt, int fetchFailures, @Nullable Throwable lastFetchFailure,
		@Nullable Duration reserveRunningFor, boolean fetcherAlive) {

	/** Reserve calls failing in a row before the fetch loop counts as failing. */
	public static final int FAILING_AFTER = 3;

	/** The life of a worker. */
	public enum State {

		/** Not started, or stopped. */
		STOPPED,

		/** Fetching and running tasks. */
		RUNNING,

		/** Stopping: no more fetching; running tasks get the shutdown timeout to finish. */
		DRAINING

	}

	/**
	 * Why this worker is not processing although it runs, or {@code null}: its fetch loop died, keeps failing
	 * ({@value #FAILING_AFTER} reserve calls in a row), or is stuck in one reserve call for longer than
	 * {@code wedgedAfter}.
	 */
	public @Nullable String problem(Duration wedgedAfter) {
		if (this.state != State.RUNNING) {
			return null;
		}
		if (!this.fetcherAlive) {
			return "the fetch loop is not running";
		}
		if (this.fetchFailures >= FAILING_AFTER && this.lastFetchFailure != null) {
			return "the last " + this.fetchFailures + " reserve calls failed: " + this.lastFetchFailure;
		}
		if (this.reserveRunningFor != null && this.reserveRunningFor.compareTo(wedgedAfter) > 0) {
			return "wedged: one reserve call has been running for " + this.reserveRunningFor.toMillis() + " ms";
		}
		return null;
	}

}
