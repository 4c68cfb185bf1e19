package io.asynctasq.autoconfigure;

import io.asynctasq.task.DuplicateTaskNameException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a {@link DuplicateTaskNameException}: the name, both declarations, and how to rename one. */
class DuplicateTaskNameFailureAnalyzer extends AbstractFailureAnalyzer<DuplicateTaskNameException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, DuplicateTaskNameException cause) {
		return new FailureAnalysis(
				"Two tasks are named '" + cause.getTaskName() + "': " + cause.getFirstSource() + " and "
						+ cause.getSecondSource() + ". A task name identifies one task for every worker.",
				"Give one of them another name with @Task(name = \"...\") on the method, or on the class of a "
						+ "TaskHandler (whose name is otherwise its simple class name).",
				cause);
	}

}
