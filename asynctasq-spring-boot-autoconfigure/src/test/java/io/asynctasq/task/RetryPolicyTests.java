package io.asynctasq.task;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.asynctasq.Backoff;
import io.asynctasq.TaskContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTests {

	private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

	@Test
	void fixedBackoffWaitsTheRetryDelayEveryTime() {
		TaskOptions options = options(Backoff.FIXED, TEN_SECONDS, Duration.ofHours(1), 0.0);
		for (int attempt = 1; attempt <= 40; attempt++) {
			assertThat(RetryPolicy.delayAfter(options, attempt)).as("after attempt %d", attempt).isEqualTo(TEN_SECONDS);
		}
	}

	@Test
	void fixedBackoffIsCappedByTheMaximumRetryDelay() {
		TaskOptions options = options(Backoff.FIXED, Duration.ofMinutes(5), Duration.ofMinutes(1), 0.0);
		assertThat(RetryPolicy.delayAfter(options, 1)).isEqualTo(Duration.ofMinutes(1));
	}

	@Test
	void exponentialBackoffDoublesFromTheRetryDelay() {
		TaskOptions options = options(Backoff.EXPONENTIAL, TEN_SECONDS, Duration.ofHours(1), 0.0);
		assertThat(RetryPolicy.delayAfter(options, 1)).isEqualTo(Duration.ofSeconds(10));
		assertThat(RetryPolicy.delayAfter(options, 2)).isEqualTo(Duration.ofSeconds(20));
		assertThat(RetryPolicy.delayAfter(options, 3)).isEqualTo(Duration.ofSeconds(40));
		assertThat(RetryPolicy.delayAfter(options, 4)).isEqualTo(Duration.ofSeconds(80));
		assertThat(RetryPolicy.delayAfter(options, 9)).isEqualTo(Duration.ofSeconds(2560));
	}

	@Test
	void exponentialBackoffIsCappedAtTheMaximumRetryDelay() {
		TaskOptions options = options(Backoff.EXPONENTIAL, TEN_SECONDS, Duration.ofMinutes(5), 0.0);
		assertThat(RetryPolicy.delayAfter(options, 5)).isEqualTo(Duration.ofSeconds(160));
		assertThat(RetryPolicy.delayAfter(options, 6)).isEqualTo(Duration.ofMinutes(5));
		assertThat(RetryPolicy.delayAfter(options, 7)).isEqualTo(Duration.ofMinutes(5));
	}

	@Test
	void exponentialBackoffDoesNotOverflowOnHighAttempts() {
		TaskOptions options = options(Backoff.EXPONENTIAL, Duration.ofDays(365), Duration.ofHours(1), 0.0);
		for (int attempt : List.of(30, 31, 62, 63, 64, 1000, Integer.MAX_VALUE)) {
			assertThat(RetryPolicy.delayAfter(options, attempt)).as("after attempt %d", attempt)
				.isEqualTo(Duration.ofHours(1));
		}
		TaskOptions small = options(Backoff.EXPONENTIAL, Duration.ofMillis(1), Duration.ofHours(1), 0.0);
		assertThat(RetryPolicy.delayAfter(small, 100)).isEqualTo(Duration.ofHours(1));
	}

	@Test
	void zeroRetryDelayStaysZero() {
		TaskOptions options = options(Backoff.EXPONENTIAL, Duration.ZERO, Duration.ofHours(1), 0.5);
		assertThat(RetryPolicy.delayAfter(options, 1)).isZero();
		assertThat(RetryPolicy.delayAfter(options, 5)).isZero();
	}

	@Test
	void jitterRemovesUpToItsFractionOfTheDelay() {
		TaskOptions options = options(Backoff.EXPONENTIAL, TEN_SECONDS, Duration.ofHours(1), 0.25);
		Set<Duration> seen = new HashSet<>();
		for (int i = 0; i < 2000; i++) {
			Duration delay = RetryPolicy.delayAfter(options, 3);
			assertThat(delay).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(40));
			seen.add(delay);
		}
		// it is random: many different values, not one
		assertThat(seen).hasSizeGreaterThan(100);
	}

	@Test
	void jitterAppliesAfterTheCap() {
		TaskOptions options = options(Backoff.EXPONENTIAL, TEN_SECONDS, Duration.ofMinutes(1), 0.5);
		for (int i = 0; i < 500; i++) {
			assertThat(RetryPolicy.delayAfter(options, 20)).isBetween(Duration.ofSeconds(30), Duration.ofMinutes(1));
		}
	}

	@Test
	void fullJitterStaysWithinZeroAndTheDelay() {
		TaskOptions options = options(Backoff.FIXED, TEN_SECONDS, Duration.ofHours(1), 1.0);
		for (int i = 0; i < 500; i++) {
			assertThat(RetryPolicy.delayAfter(options, 1)).isBetween(Duration.ZERO, TEN_SECONDS);
		}
	}

	@Test
	void defaultsAreExponentialFromTenSecondsWithTenPercentJitter() {
		for (int i = 0; i < 200; i++) {
			assertThat(RetryPolicy.delayAfter(TaskOptions.DEFAULTS, 1)).isBetween(Duration.ofSeconds(9), TEN_SECONDS);
			assertThat(RetryPolicy.delayAfter(TaskOptions.DEFAULTS, 2)).isBetween(Duration.ofSeconds(18),
					Duration.ofSeconds(20));
		}
	}

	@Test
	void retriesWhileAttemptsRemainAndTheErrorIsRetryable() {
		TaskDefinition task = task(List.of(), List.of());
		TaskOptions threeAttempts = TaskOptions.DEFAULTS.withMaxAttempts(3);
		RuntimeException error = new IllegalStateException("boom");
		assertThat(RetryPolicy.shouldRetry(task, threeAttempts, 1, error, null)).isTrue();
		assertThat(RetryPolicy.shouldRetry(task, threeAttempts, 2, error, null)).isTrue();
		assertThat(RetryPolicy.shouldRetry(task, threeAttempts, 3, error, null)).isFalse();
		assertThat(RetryPolicy.shouldRetry(task, TaskOptions.DEFAULTS.withMaxAttempts(1), 1, error, null)).isFalse();
	}

	@Test
	void retryForAndNoRetryForSelectRetryableErrors() {
		TaskOptions options = TaskOptions.DEFAULTS.withMaxAttempts(5);
		TaskDefinition onlyIo = task(List.of(IOException.class), List.of());
		assertThat(RetryPolicy.shouldRetry(onlyIo, options, 1, new IOException("net"), null)).isTrue();
		assertThat(RetryPolicy.shouldRetry(onlyIo, options, 1, new java.io.FileNotFoundException("x"), null))
			.isTrue();
		assertThat(RetryPolicy.shouldRetry(onlyIo, options, 1, new IllegalStateException("bug"), null)).isFalse();

		TaskDefinition ioButNotMissingFile = task(List.of(IOException.class),
				List.of(java.io.FileNotFoundException.class));
		assertThat(RetryPolicy.shouldRetry(ioButNotMissingFile, options, 1, new IOException("net"), null)).isTrue();
		assertThat(RetryPolicy.shouldRetry(ioButNotMissingFile, options, 1, new java.io.FileNotFoundException("x"),
				null))
			.isFalse();
	}

	@Test
	void handlerHookDecidesLast() {
		TaskDefinition.Hooks neverRetry = new TaskDefinition.Hooks() {

			@Override
			public boolean shouldRetry(Throwable error, TaskContext context) {
				return false;
			}

		};
		TaskDefinition task = new TaskDefinition("t", TaskOptions.NONE, List.of(), (args, context) -> null, null, "T",
				List.of(), List.of(), neverRetry);
		assertThat(RetryPolicy.shouldRetry(task, TaskOptions.DEFAULTS, 1, new IOException(), null)).isFalse();
	}

	private static TaskOptions options(Backoff backoff, Duration retryDelay, Duration maxRetryDelay, double jitter) {
		return new TaskOptions("default", 3, Duration.ZERO, retryDelay, backoff, maxRetryDelay, jitter,
				Duration.ofSeconds(60));
	}

	private static TaskDefinition task(List<Class<? extends Throwable>> retryFor,
			List<Class<? extends Throwable>> noRetryFor) {
		return new TaskDefinition("t", TaskOptions.NONE, List.of(), (args, context) -> null, null, "T", retryFor,
				noRetryFor, null);
	}

}
