package io.asynctasq.driver;

/**
 * How many tasks of one queue are in each state.
 *
 * @param ready visible to workers now
 * @param delayed waiting for their delay or retry back-off
 * @param inFlight reserved under a lease
 * @param deadLettered in the dead-letter queue
 */
public record QueueCounts(long ready, long delayed, long inFlight, long deadLettered) {

	public static final QueueCounts EMPTY = new QueueCounts(0, 0, 0, 0);

}
