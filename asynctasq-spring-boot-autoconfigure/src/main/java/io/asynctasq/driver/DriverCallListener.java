package io.asynctasq.driver;

import org.jspecify.annotations.Nullable;

/**
 * Told of every call {@link DriverFacade} makes to its driver, once it returned or threw: for metrics. Called
 * on the caller's thread (a task thread, the fetcher), or, for an asynchronous enqueue, on the thread that
 * completed it (a client's I/O thread), so it must be cheap and must not throw.
 */
@FunctionalInterface
public interface DriverCallListener {

	/** A listener that ignores every call. */
	DriverCallListener NONE = (operation, nanos, error) -> {
	};

	/**
	 * @param operation what was called
	 * @param nanos how long the call took ({@link DriverOperation#RESERVE} includes its wait for a task)
	 * @param error what it threw, as the caller gets it, or {@code null} when it returned
	 */
	void completed(DriverOperation operation, long nanos, @Nullable Throwable error);

}
