package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;

import io.asynctasq.driver.QueueNames;
import io.asynctasq.task.TaskOptions;

/**
 * How a worker runs.
 *
 * @param queues queues served, in strict priority order
 * @param concurrency maximum tasks running at once
 * @param prefetch how many tasks beyond {@code concurrency} may be reserved ahead of a free thread
 * @param shutdownTimeout how long running tasks may finish on stop before they are interrupted and released
 * @param pollInterval longest wait of one reservation call when queues are empty
 * @param heartbeatInterval period of heartbeat events
 * @param executorMode which threads run blocking task code
 * @param taskDefaults fully resolved defaults of every option (all set)
 */
public record WorkerSettings(List<String> queues, int concurrency, int prefetch, Duration shutdownTimeout,
		Duration pollInterval, Duration heartbeatInterval, ExecutorMode executorMode, TaskOptions taskDefaults) {

	/** Settings that prefetch as many tasks as {@code concurrency}. */
	public WorkerSettings(List<String> queues, int concurrency, Duration shutdownTimeout, Duration pollInterval,
			Duration heartbeatInterval, ExecutorMode executorMode, TaskOptions taskDefaults) {
		this(queues, concurrency, concurrency, shutdownTimeout, pollInterval, heartbeatInterval, executorMode,
				taskDefaults);
	}

	public WorkerSettings {
		queues = List.copyOf(queues);
		if (queues.isEmpty()) {
			throw new IllegalArgumentException("A worker needs at least one queue");
		}
		queues.forEach(QueueNames::validate);
		if (concurrency < 1) {
			throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
		}
		if (prefetch < 0) {
			throw new IllegalArgumentException("prefetch must be zero or more, was " + prefetch);
		}
	}

}
