package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;

import io.asynctasq.driver.QueueNames;
import io.asynctasq.task.TaskOptions;

/**
 * How a worker runs.
 *
 * @param queues queues served, in strict priority order; empty: the default queue of {@code taskDefaults}, then
 * the queue of every task registered when the worker starts
 * @param concurrency maximum tasks running at once
 * @param prefetch how many tasks beyond {@code concurrency} may be reserved ahead of a free thread
 * @param shutdownTimeout how long running tasks may finish on stop before they are interrupted and released
 * @param pollInterval longest wait of one reservation call when queues are empty
 * @param heartbeatInterval period of the worker's heartbeats: recorded in the backend (each live for three periods)
 * and published as heartbeat events
 * @param executorMode which threads run blocking task code
 * @param taskDefaults fully resolved defaults of every option (all set)
 * @param unknownTaskGrace how long after its dispatch a task this worker cannot run (an unknown name, arguments
 * that do not fit its parameters) keeps going back to its queue for a worker that can, before it is
 * dead-lettered
 */
public record WorkerSettings(List<String> queues, int concurrency, int prefetch, Duration shutdownTimeout,
		Duration pollInterval, Duration heartbeatInterval, ExecutorMode executorMode, TaskOptions taskDefaults,
		Duration unknownTaskGrace) {

	/** Default of {@link #concurrency()}. */
	public static final int DEFAULT_CONCURRENCY = 10;

	/** Default of {@link #shutdownTimeout()}. */
	public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

	/** Default of {@link #pollInterval()}. */
	public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

	/** Default of {@link #heartbeatInterval()}. */
	public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

	/** Default of {@link #executorMode()}. */
	public static final ExecutorMode DEFAULT_EXECUTOR_MODE = ExecutorMode.AUTO;

	/** Default of {@link #unknownTaskGrace()}: long enough for a rolling deploy to finish. */
	public static final Duration DEFAULT_UNKNOWN_TASK_GRACE = Duration.ofHours(1);

	/** Settings with the default grace for tasks this worker cannot run. */
	public WorkerSettings(List<String> queues, int concurrency, int prefetch, Duration shutdownTimeout,
			Duration pollInterval, Duration heartbeatInterval, ExecutorMode executorMode, TaskOptions taskDefaults) {
		this(queues, concurrency, prefetch, shutdownTimeout, pollInterval, heartbeatInterval, executorMode,
				taskDefaults, DEFAULT_UNKNOWN_TASK_GRACE);
	}

	/** Settings that prefetch as many tasks as {@code concurrency}. */
	public WorkerSettings(List<String> queues, int concurrency, Duration shutdownTimeout, Duration pollInterval,
			Duration heartbeatInterval, ExecutorMode executorMode, TaskOptions taskDefaults) {
		this(queues, concurrency, concurrency, shutdownTimeout, pollInterval, heartbeatInterval, executorMode,
				taskDefaults);
	}

	public WorkerSettings {
		queues = List.copyOf(queues);
		queues.forEach(QueueNames::validate);
		if (concurrency < 1) {
			throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
		}
		if (prefetch < 0) {
			throw new IllegalArgumentException("prefetch must be zero or more, was " + prefetch);
		}
		if (unknownTaskGrace == null || unknownTaskGrace.isNegative()) {
			throw new IllegalArgumentException("unknownTaskGrace must be zero or positive, was " + unknownTaskGrace);
		}
	}

}
