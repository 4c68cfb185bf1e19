package io.asynctasq.driver;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What became of a task's latest attempt, recorded by the worker when results are enabled and kept for a time
 * ({@link QueueDriver#recordResult}): the part of a task's status its backend forgets once the task is
 * acknowledged.
 *
 * @param taskId the task's id
 * @param taskName the task's name
 * @param queue its queue
 * @param outcome how the attempt ended
 * @param attempts attempts made so far
 * @param startedAt when the attempt started
 * @param finishedAt when it ended
 * @param valueJson the return value as JSON when it succeeded ({@code null} for a {@code void} task and for a
 * failure)
 * @param errorClass the class of the error it failed with, or {@code null}
 * @param errorMessage the message of that error, or {@code null}
 */
public record TaskResult(String taskId, String taskName, String queue, Outcome outcome, int attempts,
		Instant startedAt, Instant finishedAt, @Nullable String valueJson, @Nullable String errorClass,
		@Nullable String errorMessage) {

	public TaskResult {
		Objects.requireNonNull(taskId, "taskId");
		Objects.requireNonNull(taskName, "taskName");
		Objects.requireNonNull(queue, "queue");
		Objects.requireNonNull(outcome, "outcome");
		Objects.requireNonNull(startedAt, "startedAt");
		Objects.requireNonNull(finishedAt, "finishedAt");
	}

	/** How an attempt ended. */
	public enum Outcome {

		/** It returned; the task is done. */
		SUCCEEDED,

		/** It failed and the task will be attempted again. */
		RETRYING,

		/** It failed for good; the task is a dead letter. */
		DEAD_LETTERED

	}

}
