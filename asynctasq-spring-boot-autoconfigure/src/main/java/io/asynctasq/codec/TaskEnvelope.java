package io.asynctasq.codec;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The encoded form of a dispatched task, the body of a {@link io.asynctasq.driver.TaskMessage}: its
 * name, its arguments as JSON (decoded on the worker into the declared parameter types only), and the
 * options given at dispatch, which beat the worker's annotation and defaults.
 *
 * @param taskName registered task name
 * @param args the arguments, a JSON array
 * @param dispatchedAt when it was dispatched
 * @param maxAttempts per-dispatch total attempts, or {@code null}
 * @param timeout per-dispatch attempt timeout, or {@code null}
 * @param retryDelay per-dispatch retry delay, or {@code null}
 * @param visibilityTimeout per-dispatch lease, or {@code null}
 * @param headers text headers that travel with the task from the dispatcher to the worker (a trace context,
 * for one); empty when there are none, as in envelopes of versions that had no headers
 */
public record TaskEnvelope(String taskName, JsonArguments args, Instant dispatchedAt, @Nullable Integer maxAttempts,
		@Nullable Duration timeout, @Nullable Duration retryDelay, @Nullable Duration visibilityTimeout,
		Map<String, String> headers) {

	public TaskEnvelope {
		headers = Map.copyOf(headers);
	}

	/** An envelope without headers. */
	public TaskEnvelope(String taskName, JsonArguments args, Instant dispatchedAt, @Nullable Integer maxAttempts,
			@Nullable Duration timeout, @Nullable Duration retryDelay, @Nullable Duration visibilityTimeout) {
		this(taskName, args, dispatchedAt, maxAttempts, timeout, retryDelay, visibilityTimeout, Map.of());
	}

	/** This envelope with {@code headers} instead of its own. */
	public TaskEnvelope withHeaders(Map<String, String> headers) {
		return new TaskEnvelope(this.taskName, this.args, this.dispatchedAt, this.maxAttempts, this.timeout,
				this.retryDelay, this.visibilityTimeout, headers);
	}

	/** Whether options were given at dispatch. */
	public boolean hasOptions() {
		return this.maxAttempts != null || this.timeout != null || this.retryDelay != null
				|| this.visibilityTimeout != null;
	}

	/** The per-dispatch options this envelope carries. */
	public io.asynctasq.task.TaskOptions options() {
		return new io.asynctasq.task.TaskOptions(null, this.maxAttempts, this.timeout, this.retryDelay, null, null,
				null, this.visibilityTimeout);
	}

}
