package io.asynctasq.task;

import java.time.Duration;

import io.asynctasq.Backoff;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import org.jspecify.annotations.Nullable;

/**
 * Options of a task, each possibly unset ({@code null}). Layers are merged with
 * {@link #orElse(TaskOptions)}: per-dispatch options, then the annotation, then the defaults.
 *
 * @param queue queue name
 * @param maxAttempts total attempts, the first included
 * @param timeout maximum duration of one attempt; {@link Duration#ZERO} means none
 * @param retryDelay base delay between attempts
 * @param backoff how the delay grows
 * @param maxRetryDelay cap of the exponential delay
 * @param jitter fraction (0..1) of the delay that is randomised downwards
 * @param visibilityTimeout lease of a reserved attempt
 */
public record TaskOptions(@Nullable String queue, @Nullable Integer maxAttempts, @Nullable Duration timeout,
		@Nullable Duration retryDelay, @Nullable Backoff backoff, @Nullable Duration maxRetryDelay, @Nullable Double jitter,
		@Nullable Duration visibilityTimeout) {

	/**
	 * The built-in defaults, every option set: queue "default", 3 attempts, no timeout, exponential
	 * back-off from 10 s capped at 1 h with 10 % jitter, 60 s visibility timeout.
	 */
	public static final TaskOptions DEFAULTS = new TaskOptions("default", 3, Duration.ZERO, Duration.ofSeconds(10),
			Backoff.EXPONENTIAL, Duration.ofHours(1), 0.1, Duration.ofSeconds(60));

	/** The most attempts a task may have: the highest attempt a driver hands out. */
	public static final int MAX_ATTEMPTS = Reservation.MAX_ATTEMPT;

	/** The longest timeout, retry delay or visibility timeout a task may have. */
	public static final Duration MAX_DURATION = QueueDriver.MAX_DELAY;

	/** Options with nothing set. */
	public static final TaskOptions NONE = new TaskOptions(null, null, null, null, null, null, null, null);

	/** These options, with every unset one taken from {@code fallback}. */
	public TaskOptions orElse(TaskOptions fallback) {
		return new TaskOptions(first(this.queue, fallback.queue), first(this.maxAttempts, fallback.maxAttempts),
				first(this.timeout, fallback.timeout), first(this.retryDelay, fallback.retryDelay),
				first(this.backoff, fallback.backoff), first(this.maxRetryDelay, fallback.maxRetryDelay),
				first(this.jitter, fallback.jitter), first(this.visibilityTimeout, fallback.visibilityTimeout));
	}

	public TaskOptions withQueue(@Nullable String queue) {
		return new TaskOptions(queue, this.maxAttempts, this.timeout, this.retryDelay, this.backoff, this.maxRetryDelay,
				this.jitter, this.visibilityTimeout);
	}

	public TaskOptions withMaxAttempts(@Nullable Integer maxAttempts) {
		return new TaskOptions(this.queue, maxAttempts, this.timeout, this.retryDelay, this.backoff, this.maxRetryDelay,
				this.jitter, this.visibilityTimeout);
	}

	public TaskOptions withTimeout(@Nullable Duration timeout) {
		return new TaskOptions(this.queue, this.maxAttempts, timeout, this.retryDelay, this.backoff, this.maxRetryDelay,
				this.jitter, this.visibilityTimeout);
	}

	public TaskOptions withRetryDelay(@Nullable Duration retryDelay) {
		return new TaskOptions(this.queue, this.maxAttempts, this.timeout, retryDelay, this.backoff, this.maxRetryDelay,
				this.jitter, this.visibilityTimeout);
	}

	public TaskOptions withVisibilityTimeout(@Nullable Duration visibilityTimeout) {
		return new TaskOptions(this.queue, this.maxAttempts, this.timeout, this.retryDelay, this.backoff,
				this.maxRetryDelay, this.jitter, visibilityTimeout);
	}

	/**
	 * Returns {@code maxAttempts} when it is between 1 and {@link #MAX_ATTEMPTS}.
	 * @throws IllegalArgumentException saying what it accepts
	 */
	public static int checkMaxAttempts(int maxAttempts) {
		if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
			throw new IllegalArgumentException("maxAttempts counts the first attempt and must be between 1 and "
					+ MAX_ATTEMPTS + ", was " + maxAttempts);
		}
		return maxAttempts;
	}

	/**
	 * Returns {@code value} when it is between zero (or, when {@code positive}, just above) and
	 * {@link #MAX_DURATION}.
	 * @throws IllegalArgumentException naming the option and what it accepts
	 */
	public static Duration checkDuration(String option, @Nullable Duration value, boolean positive) {
		if (value == null || value.isNegative() || (positive && value.isZero()) || value.compareTo(MAX_DURATION) > 0) {
			throw new IllegalArgumentException(option + " must be " + (positive ? "positive" : "zero or positive")
					+ " and at most " + MAX_DURATION.toDays() + " days, was " + value);
		}
		return value;
	}

	/**
	 * These options when every set one is in range.
	 * @throws IllegalArgumentException naming the first option out of range
	 */
	public TaskOptions checked() {
		if (this.maxAttempts != null) {
			checkMaxAttempts(this.maxAttempts);
		}
		if (this.timeout != null) {
			checkDuration("timeout", this.timeout, false);
		}
		if (this.retryDelay != null) {
			checkDuration("retryDelay", this.retryDelay, false);
		}
		if (this.maxRetryDelay != null) {
			checkDuration("maxRetryDelay", this.maxRetryDelay, false);
		}
		if (this.visibilityTimeout != null) {
			checkDuration("visibilityTimeout", this.visibilityTimeout, true);
		}
		if (this.jitter != null && !(this.jitter >= 0 && this.jitter <= 1)) {
			throw new IllegalArgumentException("jitter must be between 0 and 1, was " + this.jitter);
		}
		return this;
	}

	/** Whether an attempt has a time limit. */
	public boolean hasTimeout() {
		return this.timeout != null && !this.timeout.isZero() && !this.timeout.isNegative();
	}

	private static <T> @Nullable T first(@Nullable T value, @Nullable T fallback) {
		return (value != null) ? value : fallback;
	}

}
