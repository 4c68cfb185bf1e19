package io.asynctasq.driver;

/**
 * Implemented by a driver whose {@link QueueDriver#enqueue enqueue} can take part in the caller's
 * transaction (the JDBC driver, when the transaction runs on its DataSource). A dispatch inside such a
 * transaction is then sent at once and commits or rolls back with it, instead of being deferred to
 * after the commit as for every other driver.
 */
public interface TransactionalEnqueue {

	/** Whether an enqueue made now, on this thread, joins the transaction active on this thread. */
	boolean joinsCurrentTransaction();

}
