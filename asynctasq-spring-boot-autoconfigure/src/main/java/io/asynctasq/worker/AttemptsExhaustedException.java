package io.asynctasq.worker;

/**
 * A task came back after its worker stopped holding its lease (it died) and has no attempt left, so
 * it fails without running again.
 */
public class AttemptsExhaustedException extends RuntimeException {

	public AttemptsExhaustedException(String taskName, int attempt, int maxAttempts) {
		super("Task '" + taskName + "' was reserved for attempt " + attempt + " of " + maxAttempts
				+ ": earlier attempts' leases expired (their worker stopped without finishing them)");
	}

}
