package io.asynctasq.worker;

import java.time.Duration;

import io.asynctasq.codec.UndecodableTaskException;

/**
 * What {@link TaskPreparer} decided for a reserved task: a {@link PreparedAttempt} to run, or one of the ways
 * it is settled without running.
 */
sealed interface Preparation permits PreparedAttempt, Preparation.Unrunnable, Preparation.Postponed,
		Preparation.Exhausted {

	/** The task's name as far as it was decoded; {@code "?"} when it was not. */
	String taskName();

	/** A corrupt message, a body that is not a task, or a task no worker ran within its grace: dead-lettered. */
	record Unrunnable(String taskName, String reason, Exception error) implements Preparation {
	}

	/** A task this worker cannot run, within its grace: back to its queue after {@code delay}, unrun. */
	record Postponed(String taskName, String reason, UndecodableTaskException error,
			Duration delay) implements Preparation {
	}

	/** A task whose attempts were all used up by workers that lost it: dead-lettered as failed, unrun. */
	record Exhausted(PreparedAttempt attempt, AttemptsExhaustedException error) implements Preparation {

		@Override
		public String taskName() {
			return this.attempt.taskName();
		}

	}

}
