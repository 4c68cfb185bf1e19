package io.asynctasq;

/**
 * The class-based form of a task, for tasks that need hooks. Register it as a Spring bean (optionally
 * annotated with {@link Task} for its options; the name defaults to the simple class name) and
 * dispatch it by name or with {@link TaskDispatcher#dispatch(Class, Object)}.
 *
 * @param <P> the payload type, decoded from the queue into exactly this type
 */
public interface TaskHandler<P> {

	/** Runs one attempt. Throwing fails the attempt. */
	void execute(P payload, TaskContext context) throws Exception;

	/**
	 * Whether a failed attempt may be retried (when attempts remain). Called after
	 * {@link Task#retryFor()}/{@link Task#noRetryFor()} allowed it.
	 */
	default boolean shouldRetry(Throwable error, TaskContext context) {
		return true;
	}

	/** Called once when the task fails permanently, after it was dead-lettered; exceptions are logged. */
	default void failed(P payload, Throwable error, TaskContext context) {
	}

}
