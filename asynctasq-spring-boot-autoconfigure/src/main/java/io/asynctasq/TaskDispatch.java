package io.asynctasq;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * One dispatch being prepared, with options that beat the task's annotation and the configured
 * defaults. Obtained from {@link TaskDispatcher#task(String)}; not thread-safe, use it once.
 */
public interface TaskDispatch {

	/** The queue to put the task on. */
	TaskDispatch onQueue(String queue);

	/** Makes the task visible to workers only after this delay (kept by the driver, not in memory). */
	TaskDispatch delay(Duration delay);

	/** Total attempts, the first included. */
	TaskDispatch maxAttempts(int maxAttempts);

	/** Maximum duration of one attempt. */
	TaskDispatch timeout(Duration timeout);

	/** Base delay between attempts. */
	TaskDispatch retryDelay(Duration retryDelay);

	/** Lease of a reserved attempt. */
	TaskDispatch visibilityTimeout(Duration visibilityTimeout);

	/** Enqueues the task and returns its id once the driver accepted it. */
	String dispatch(@Nullable Object... args);

	/**
	 * Enqueues one task per argument list, all with these options, in as few driver round trips as the
	 * driver allows; returns their ids in order once the driver accepted them all. Every argument list
	 * is validated before anything is sent.
	 */
	List<String> dispatchAll(List<@Nullable Object[]> argumentLists);

	/**
	 * Enqueues the task without blocking the caller; completes with its id. A mistake (arguments, payload size,
	 * an interceptor's refusal) throws at the call, as {@link #dispatch} does. Cancelling the future before its
	 * driver call started means the task is not sent; once it started, the task may still be enqueued.
	 */
	CompletableFuture<String> dispatchAsync(@Nullable Object... args);

	/**
	 * Asynchronous form of {@link #dispatchAll(List)}: every argument list is validated at the call, then the
	 * tasks are sent in one driver call without blocking the caller; completes with their ids in order.
	 */
	CompletableFuture<List<String>> dispatchAllAsync(List<@Nullable Object[]> argumentLists);

}
