package io.asynctasq;

/** How the delay grows between attempts. */
public enum Backoff {

	/** Every retry waits the retry delay. */
	FIXED,

	/** Retry n waits {@code retryDelay * 2^(n-1)}, capped at the maximum retry delay. */
	EXPONENTIAL

}
