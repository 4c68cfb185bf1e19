package io.asynctasq.driver;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task as its backend holds it now, found by id ({@link QueueDriver#find}): where it is and what the
 * backend knows about its attempts.
 *
 * @param message the task as it was stored
 * @param state where it is
 * @param attempts attempts started so far (the one running counts when in flight)
 * @param availableAt when a delayed task is due, or when the lease of an in-flight one ends; {@code null} for a
 * ready task and a dead letter
 * @param deadLetter the dead letter, when the task is one
 */
public record StoredTask(TaskMessage message, State state, int attempts, @Nullable Instant availableAt,
		@Nullable DeadLetter deadLetter) {

	public StoredTask {
		Objects.requireNonNull(message, "message");
		Objects.requireNonNull(state, "state");
		if ((state == State.DEAD_LETTERED) != (deadLetter != null)) {
			throw new IllegalArgumentException("A dead-lettered task, and only one, carries its dead letter");
		}
	}

	/** Where a stored task is. */
	public enum State {

		/** Waiting for a worker. */
		READY,

		/** Waiting until it is due (a delayed dispatch or a retry's back-off). */
		DELAYED,

		/** Reserved by a worker, under a lease. */
		IN_FLIGHT,

		/** In its queue's dead-letter queue. */
		DEAD_LETTERED

	}

}
