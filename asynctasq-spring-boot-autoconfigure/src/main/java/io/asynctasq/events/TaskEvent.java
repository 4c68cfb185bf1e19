package io.asynctasq.events;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

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

	/** A worker started an attempt of a task enqueued at {@code enqueuedAt}. */
	record Started(String taskId, String taskName, String queue, int attempt, Instant enqueuedAt, String workerId,
			Instant timestamp) implements TaskEvent {

		/** How long the task waited from its enqueue (or, for a retry, its re-enqueue) to this start; never negative. */
		public Duration waited() {
			Duration waited = Duration.between(this.enqueuedAt, this.timestamp);
			return waited.isNegative() ? Duration.ZERO : waited;
		}

	}

	/** An attempt succeeded; the task is done. */
	record Completed(String taskId, String taskName, String queue, int attempt, Duration duration, String workerId,
			Instant timestamp) implements TaskEvent {
	}

	/** An attempt that ran for {@code duration} failed, and another is scheduled after {@code delay}. */
	record Retrying(String taskId, String taskName, String queue, int failedAttempt, Duration duration,
			Duration delay, Throwable error, Instant timestamp) implements TaskEvent {
	}

	/**
	 * The task failed permanently: its attempts are exhausted or its error is not retryable. {@code duration}
	 * is how long its last attempt ran, {@code null} when no attempt ran here (its attempts were used up by
	 * earlier deliveries).
	 */
	record Failed(String taskId, String taskName, String queue, int attempts, @Nullable Duration duration,
			Throwable error, Instant timestamp) implements TaskEvent {
	}

	/**
	 * Shutdown stopped an attempt that had run for {@code duration} and gave the task back to its queue,
	 * the attempt not counted.
	 */
	record Released(String taskId, String taskName, String queue, int attempt, Duration duration, String workerId,
			Instant timestamp) implements TaskEvent {
	}

	/** The task was moved to its queue's dead-letter queue, with {@code reason}. */
	record DeadLettered(String taskId, String taskName, String queue, int attempts, String reason,
			Instant timestamp) implements TaskEvent {
	}

}
