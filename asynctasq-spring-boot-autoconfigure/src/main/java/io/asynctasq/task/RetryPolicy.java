package io.asynctasq.task;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.asynctasq.Backoff;

/**
 * Decides whether a failed attempt is retried and after how long: attempt n (1-based) failed, so
 * retry n waits {@code retryDelay} (fixed) or {@code retryDelay * 2^(n-1)} capped at
 * {@code maxRetryDelay} (exponential), minus up to {@code jitter} of it at random.
 */
public final class RetryPolicy {

	private RetryPolicy() {
	}

	/** Whether another attempt is allowed after {@code failedAttempt} failed with {@code error}. */
	public static boolean shouldRetry(TaskDefinition task, TaskOptions options, int failedAttempt, Throwable error,
			io.asynctasq.TaskContext context) {
		return failedAttempt < options.maxAttempts() && task.isRetryable(error, context);
	}

	/** The delay before the attempt after {@code failedAttempt}. */
	public static Duration delayAfter(TaskOptions options, int failedAttempt) {
		Duration base = options.retryDelay();
		Duration delay = base;
		if (options.backoff() == Backoff.EXPONENTIAL && failedAttempt > 1) {
			int shift = Math.min(failedAttempt - 1, 30);
			delay = (base.toMillis() > (Long.MAX_VALUE >> shift)) ? options.maxRetryDelay()
					: Duration.ofMillis(base.toMillis() << shift);
		}
		if (options.maxRetryDelay() != null && delay.compareTo(options.maxRetryDelay()) > 0) {
			delay = options.maxRetryDelay();
		}
		double jitter = (options.jitter() != null) ? options.jitter() : 0;
		if (jitter > 0 && !delay.isZero()) {
			long millis = delay.toMillis();
			long cut = (long) (millis * jitter * ThreadLocalRandom.current().nextDouble());
			delay = Duration.ofMillis(millis - cut);
		}
		return delay;
	}

}
