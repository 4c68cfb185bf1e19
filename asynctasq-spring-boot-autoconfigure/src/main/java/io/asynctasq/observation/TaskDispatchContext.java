package io.asynctasq.observation;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import org.jspecify.annotations.Nullable;

/**
 * The context of a dispatch's observation (a producer): its carrier is the map of headers that the task's
 * envelope carries to the worker, so a tracing handler writes the trace context (W3C {@code traceparent})
 * into it.
 */
public class TaskDispatchContext extends SenderContext<Map<String, String>> {

	private final String taskId;

	private final String taskName;

	private final String queue;

	private @Nullable String outcome;

	public TaskDispatchContext(String taskId, String taskName, String queue) {
		super((carrier, key, value) -> {
			if (carrier != null) {
				carrier.put(key, value);
			}
		}, Kind.PRODUCER);
		this.taskId = taskId;
		this.taskName = taskName;
		this.queue = queue;
		setCarrier(new LinkedHashMap<>());
		setRemoteServiceName("asynctasq");
	}

	/** The id the task is enqueued with. */
	public String getTaskId() {
		return this.taskId;
	}

	public String getTaskName() {
		return this.taskName;
	}

	public String getQueue() {
		return this.queue;
	}

	/** How the dispatch ended ({@link TaskObservationOutcomes}); {@code null} while it runs. */
	public @Nullable String getOutcome() {
		return this.outcome;
	}

	public void setOutcome(@Nullable String outcome) {
		this.outcome = outcome;
	}

}
