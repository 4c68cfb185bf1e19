package io.asynctasq.events;

import java.time.Duration;
import java.time.Instant;

/**
 * An event in a task's life, declared in the order a task lives it. {@link Enqueued} is published
 * once the driver accepted the task, so with a fast worker a listener may see {@link Started} first.
 */
public sealed interface TaskEvent extends AsyncTasqEvent {

	String taskId();

	String taskName();

	String queue();

	/** The task was accepted by the driver. */
	record Enqueued(String taskId, String taskName, String queue, Duration delay, Instant timestamp)
			implements TaskEvent {
	}

	/** A worker started an attempt. */
	record Started(String taskId, String taskName, String queue, int attempt, String workerId, Instant timestamp)
			implements TaskEvent {
	}

	/** An attempt succeeded; the task is done. */
	record Completed(String taskId, String taskName, String queue, int attempt, Duration duration, String workerId,
			Instant timestamp) implements TaskEvent {
	}

	/** An attempt failed and another is scheduled after {@code delay}. */
	record Retrying(String taskId, String taskName, String queue, int failedAttempt, Duration delay,
			Throwable error, Instant timestamp) implements TaskEvent {
	}

	/** The task failed permanently: its attempts are exhausted or its error is not retryable. */
	record Failed(String taskId, String taskName, String queue, int attempts, Throwable error, Instant timestamp)
			implements TaskEvent {
	}

	/** The task was moved to its queue's dead-letter queue, with {@code reason}. */
	record DeadLettered(String taskId, String taskName, String queue, int attempts, String reason,
			Instant timestamp) implements TaskEvent {
	}

}
