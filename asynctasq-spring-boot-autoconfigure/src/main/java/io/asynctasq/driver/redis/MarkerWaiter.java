package io.asynctasq.driver.redis;

import java.util.List;

/**
 * How an idle reserver waits on the server: a blocking pop on the queues' marker keys, which every
 * transition that makes a task ready (or moves the next due time earlier) sets.
 */
interface MarkerWaiter extends AutoCloseable {

	/**
	 * Blocks until one of {@code markers} is set or {@code timeoutMillis} passed.
	 * @return {@code true} when woken by a marker
	 * @throws InterruptedException when the waiting thread is interrupted
	 */
	boolean await(List<byte[]> markers, long timeoutMillis) throws InterruptedException;

	/**
	 * Whether {@link #await} watches every marker for the whole timeout, so that a wait ending unwoken
	 * means no marker was set in the meantime.
	 */
	default boolean watchesEveryMarker() {
		return true;
	}

	/** Ends every wait in progress and closes the connections this waiter opened. */
	@Override
	void close();

}
