package io.asynctasq.test;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * One attempt the {@link ManualWorker} ran (or a task it dead-lettered unrun), and how it ended.
 *
 * @param taskId the task's id
 * @param taskName the task's name
 * @param queue its queue
 * @param attempt the attempt, from 1
 * @param outcome how it ended
 * @param value what the task returned (a returned future's value), or {@code null}
 * @param error what it failed with, or {@code null}; {@code null} too for a task dead-lettered unrun
 * @param retryDelay after how long the next attempt is due, when {@link Outcome#RETRYING}; else {@code null}
 */
public record TaskRun(String taskId, String taskName, String queue, int attempt, Outcome outcome,
		@Nullable Object value, @Nullable Throwable error, @Nullable Duration retryDelay) {

	/** How an attempt ended. */
	public enum Outcome {

		/** It returned: the task is done. */
		SUCCEEDED,

		/** It failed and another attempt is scheduled after {@link TaskRun#retryDelay()}. */
		RETRYING,

		/** It failed for good (or could not run): the task is in its queue's dead-letter queue. */
		DEAD_LETTERED

	}

}
