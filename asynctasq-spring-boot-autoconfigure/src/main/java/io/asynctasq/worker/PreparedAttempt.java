package io.asynctasq.worker;

import java.util.Map;

import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskOptions;

/**
 * What one attempt of a decoded task needs: the task, its arguments, its resolved options, its context and the
 * headers of its envelope.
 * Built once by {@link TaskPreparer} and not changed after (the arguments array is handed to the task as is).
 */
record PreparedAttempt(TaskDefinition task, Object[] args, TaskOptions options,
		RunningTaskContext context, Map<String, String> headers) implements Preparation {

	@Override
	public String taskName() {
		return this.task.name();
	}

}
