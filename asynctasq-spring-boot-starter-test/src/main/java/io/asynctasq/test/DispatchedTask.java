package io.asynctasq.test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * One task the application dispatched, as the driver accepted it: its arguments decoded from the task's
 * payload into the task's declared parameter types (so they went through JSON as on a real queue), and the
 * options given at that dispatch.
 *
 * @param id the task id {@code dispatch} returned
 * @param taskName the task's name
 * @param queue the queue it went to
 * @param arguments its arguments, typed per the task's parameters; empty when no task of that name is
 * registered here (see {@link #argumentsJson()})
 * @param argumentsJson its arguments as the JSON array on the wire
 * @param delay the dispatch's delay, {@link Duration#ZERO} when none
 * @param maxAttempts the dispatch's {@code maxAttempts}, or {@code null} when it gave none
 * @param timeout the dispatch's {@code timeout}, or {@code null}
 * @param retryDelay the dispatch's {@code retryDelay}, or {@code null}
 * @param visibilityTimeout the dispatch's {@code visibilityTimeout}, or {@code null}
 * @param headers the headers that travel with it (those interceptors added, a trace context)
 * @param dispatchedAt when it was dispatched
 */
public record DispatchedTask(String id, String taskName, String queue, List<@Nullable Object> arguments,
		String argumentsJson, Duration delay, @Nullable Integer maxAttempts, @Nullable Duration timeout,
		@Nullable Duration retryDelay, @Nullable Duration visibilityTimeout, Map<String, String> headers,
		Instant dispatchedAt) {

	/** The argument at {@code index} (from 0). */
	public @Nullable Object argument(int index) {
		return this.arguments.get(index);
	}

}
