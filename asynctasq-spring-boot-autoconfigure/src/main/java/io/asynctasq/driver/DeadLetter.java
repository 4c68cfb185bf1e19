package io.asynctasq.driver;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

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
	 * Why a task was dead-lettered. Every text is made storable by every backend when the failure is built:
	 * NUL and other control characters (but tab and line breaks) and unpaired surrogates become U+FFFD, and
	 * each field is capped, so a dead-letter write never fails on what a task's error said.
	 *
	 * @param reason short reason: "failed", "undecodable payload", "unknown task", ... (at most
	 * {@value #MAX_REASON} characters)
	 * @param errorClass class of the last error, or {@code null} (at most {@value #MAX_ERROR_CLASS})
	 * @param errorMessage message of the last error, or {@code null} (at most {@value #MAX_ERROR_MESSAGE})
	 * @param stackTrace stack trace of the last error, or {@code null} (at most {@value #MAX_STACK_TRACE})
	 */
	public record Failure(String reason, @Nullable String errorClass, @Nullable String errorMessage,
			@Nullable String stackTrace) {

		public static final int MAX_REASON = 200;

		public static final int MAX_ERROR_CLASS = 500;

		public static final int MAX_ERROR_MESSAGE = 4_000;

		public static final int MAX_STACK_TRACE = 16_000;

		public Failure {
			reason = storable((reason != null) ? reason : "failed", MAX_REASON);
			errorClass = storable(errorClass, MAX_ERROR_CLASS);
			errorMessage = storable(errorMessage, MAX_ERROR_MESSAGE);
			stackTrace = storable(stackTrace, MAX_STACK_TRACE);
		}

		/** A failure with a reason and no exception. */
		public static Failure of(String reason) {
			return new Failure(reason, null, null, null);
		}

		/** A failure caused by {@code error}. */
		public static Failure of(String reason, Throwable error) {
			StringWriter trace = new StringWriter();
			error.printStackTrace(new PrintWriter(trace));
			return new Failure(reason, error.getClass().getName(), error.getMessage(), trace.toString());
		}

		/** The same failure without its message and stack trace: what is left to store when a store refused it. */
		public Failure withoutDetails() {
			return new Failure(this.reason, this.errorClass, null, null);
		}

		private static @Nullable String storable(@Nullable String text, int max) {
			if (text == null) {
				return null;
			}
			StringBuilder clean = null;
			int length = Math.min(text.length(), max);
			for (int i = 0; i < length; i++) {
				char c = text.charAt(i);
				boolean bad;
				if (Character.isHighSurrogate(c)) {
					bad = i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
					if (!bad) {
						if (clean != null) {
							clean.append(c).append(text.charAt(i + 1));
						}
						i++;
						continue;
					}
				}
				else {
					bad = Character.isLowSurrogate(c) || (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r');
				}
				if (bad && clean == null) {
					clean = new StringBuilder(length + 16).append(text, 0, i);
				}
				if (clean != null) {
					clean.append(bad ? '\uFFFD' : c);
				}
			}
			String result = (clean != null) ? clean.toString() : text.substring(0, length);
			return (text.length() > max) ? result + " ... (truncated)" : result;
		}

	}

}
