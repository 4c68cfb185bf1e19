package io.asynctasq.observation;

import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import org.jspecify.annotations.Nullable;

/**
 * The context of an attempt's observation (a consumer): its carrier is the map of headers of the task's
 * envelope, from which a tracing handler reads the dispatcher's trace context; an envelope without headers
 * (dispatched untraced, or by a version without headers) starts a new trace.
 */
public class TaskExecutionContext extends ReceiverContext<Map<String, String>> {

	private final String taskId;

	private final String taskName;

	private final String queue;

	private final int attempt;

	private @Nullable String outcome;

	public TaskExecutionContext(String taskId, String taskName, String queue, int attempt,
			Map<String, String> headers) {
		super((carrier, key) -> carrier.get(key), Kind.CONSUMER);
		this.taskId = taskId;
		this.taskName = taskName;
		this.queue = queue;
		this.attempt = attempt;
		setCarrier(headers);
		setRemoteServiceName("asynctasq");
	}

	public String getTaskId() {
		return this.taskId;
	}

	public String getTaskName() {
		return this.taskName;
	}

	public String getQueue() {
		return this.queue;
	}

	/** The attempt, from 1. */
	public int getAttempt() {
		return this.attempt;
	}

	/** How the attempt ended ({@link TaskObservationOutcomes}); {@code null} while it runs. */
	public @Nullable String getOutcome() {
		return this.outcome;
	}

	public void setOutcome(@Nullable String outcome) {
		this.outcome = outcome;
	}

}
