package io.asynctasq.inspection;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What became of a task, by the id {@code dispatch} returned, as {@link TaskInspector#status} puts it together
 * from where the backend holds the task and from its recorded result.
 *
 * @param taskId the id asked for
 * @param state where the task is
 * @param taskName the task's name, when known
 * @param queue its queue, when known
 * @param attempts attempts started so far (0 when unknown)
 * @param enqueuedAt when it was first stored, when known
 * @param startedAt when its latest recorded attempt started (needs results enabled)
 * @param finishedAt when its latest recorded attempt ended (needs results enabled)
 * @param nextAttemptAt when a delayed or retrying task is due
 * @param errorClass the class of its last error, when it failed
 * @param errorMessage the message of its last error
 * @param resultJson its return value as JSON, when it succeeded and results are enabled
 * @param detail why the answer is incomplete or {@link State#UNKNOWN}, or {@code null}
 */
public record TaskStatus(String taskId, State state, @Nullable String taskName, @Nullable String queue, int attempts,
		@Nullable Instant enqueuedAt, @Nullable Instant startedAt, @Nullable Instant finishedAt,
		@Nullable Instant nextAttemptAt, @Nullable String errorClass, @Nullable String errorMessage,
		@Nullable String resultJson, @Nullable String detail) {

	public TaskStatus {
		Objects.requireNonNull(taskId, "taskId");
		Objects.requireNonNull(state, "state");
	}

	static TaskStatus unknown(String taskId, String detail) {
		return new TaskStatus(taskId, State.UNKNOWN, null, null, 0, null, null, null, null, null, null, null, detail);
	}

	/** Where a task is in its life. */
	public enum State {

		/** Stored and ready, waiting for a worker. */
		ENQUEUED,

		/** Dispatched with a delay that has not passed. */
		DELAYED,

		/** A worker runs it. */
		RUNNING,

		/** An attempt failed; the next one waits for its back-off (or for a worker). */
		RETRYING,

		/** It returned; known only while its result is kept. */
		SUCCEEDED,

		/** It failed for good and is (or was) a dead letter. */
		DEAD_LETTERED,

		/** The backend holds nothing about this id: it completed with results off, expired, or never existed. */
		UNKNOWN

	}

}
