package io.asynctasq.worker;

import java.time.Duration;

/** An attempt ran longer than its timeout; it was interrupted and counts as failed. */
public class TaskTimeoutException extends RuntimeException {

	public TaskTimeoutException(String taskName, Duration timeout) {
		super("Task '" + taskName + "' exceeded its timeout of " + timeout);
	}

}
