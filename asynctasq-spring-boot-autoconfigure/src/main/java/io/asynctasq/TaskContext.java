package io.asynctasq;

import java.time.Instant;

/**
 * What a running task may know about itself. Declare a parameter of this type on a {@code @Task}
 * method to have it injected; it is never serialized and is not passed at dispatch.
 */
public interface TaskContext {

	/** The id returned by the dispatch. */
	String taskId();

	/** The registered task name. */
	String taskName();

	/** The attempt being run: 1 on the first run. */
	int attempt();

	/** Total attempts allowed, the first included. */
	int maxAttempts();

	/** The queue the task was reserved from. */
	String queue();

	/** When the task was dispatched. */
	Instant dispatchedAt();

	/**
	 * Whether the worker is shutting down. A long task can check it and return early; if it does not
	 * finish within the shutdown timeout it is interrupted and released back to its queue.
	 */
	boolean isShuttingDown();

}
