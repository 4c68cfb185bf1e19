package io.asynctasq.dispatch;

import io.asynctasq.driver.QueueDriver;

/**
 * Decides, on the dispatching thread, whether a validated and encoded dispatch reaches the driver now or
 * later. The dispatcher asks before every send; the id is returned at once either way.
 * {@link TransactionAwareDispatchDeferral} defers a dispatch made inside a Spring transaction to after
 * its commit.
 */
@FunctionalInterface
public interface DispatchDeferral {

	/** Every dispatch is sent at once. */
	DispatchDeferral NONE = (driver, send, dropped, sendsOnCallerThread) -> false;

	/**
	 * @param driver the dispatcher's driver
	 * @param send sends the task (driver enqueue, then the {@code Enqueued} event); throws what the driver throws
	 * @param dropped to call instead of {@code send} when the deferred dispatch is abandoned (rollback)
	 * @param sendsOnCallerThread whether a send that is not deferred runs on this thread ({@code dispatch})
	 * rather than on the dispatcher's executor ({@code dispatchAsync})
	 * @return {@code true} when this deferral took {@code send} to call it (or {@code dropped}) later;
	 * {@code false} to send now as usual
	 */
	boolean defer(QueueDriver driver, Runnable send, Runnable dropped, boolean sendsOnCallerThread);

	/**
	 * Runs {@code action} (publishing the {@code Enqueued} event of a task just sent) now, or once the
	 * caller's transaction committed, so a task written by a transaction that then rolls back is never
	 * announced. Default: now.
	 */
	default void runAfterCommit(Runnable action) {
		action.run();
	}

}
