package io.asynctasq.autoconfigure;

import io.asynctasq.task.TaskDeclarationException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a {@link TaskDeclarationException}: which {@code @Task} declaration, what is wrong, the fix. */
class TaskDeclarationFailureAnalyzer extends AbstractFailureAnalyzer<TaskDeclarationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, TaskDeclarationException cause) {
		return new FailureAnalysis("The task declared by " + cause.getSource() + " cannot be registered: "
				+ cause.getReason(), cause.getAction(), cause);
	}

}
