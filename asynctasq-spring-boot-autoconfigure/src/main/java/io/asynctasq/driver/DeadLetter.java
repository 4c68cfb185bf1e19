package io.asynctasq.driver;

import java.time.Instant;

/**
 * A task that failed permanently, kept with why.
 *
 * @param message the task as it was stored
 * @param attempts attempts made
 * @param failure why it was dead-lettered
 * @param deadLetteredAt when
 */
public record DeadLetter(TaskMessage message, int attempts, Failure failure, Instant deadLetteredAt) {

	public String id() {
		return this.message.id();
	}

	/**
	 * Why a task was dead-lettered.
	 *
	 * @param reason short reason: "failed", "undecodable payload", "unknown task", ...
	 * @param errorClass class of the last error, or {@code null}
	 * @param errorMessage message of the last error, or {@code null}
	 * @param stackTrace stack trace of the last error, or {@code null}
	 */
	public record Failure(String reason, String errorClass, String errorMessage, String stackTrace) {

		/** A failure with a reason and no exception. */
		public static Failure of(String reason) {
			return new Failure(reason, null, null, null);
		}

		/** A failure caused by {@code error}, its stack trace capped so it fits any store. */
		public static Failure of(String reason, Throwable error) {
			java.io.StringWriter trace = new java.io.StringWriter();
			error.printStackTrace(new java.io.PrintWriter(trace));
			String stack = trace.toString();
			if (stack.length() > 16_000) {
				stack = stack.substring(0, 16_000) + "\n\t... (truncated)";
			}
			return new Failure(reason, error.getClass().getName(), error.getMessage(), stack);
		}

	}

}
