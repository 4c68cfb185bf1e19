package io.asynctasq.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** AsyncTasQ's observations (tracing of dispatches and executions), under {@code asynctasq.observations.*}. */
@ConfigurationProperties("asynctasq.observations")
public class AsyncTasqObservationProperties {

	/**
	 * Whether dispatches and task executions are observed when the application has a Micrometer
	 * {@code ObservationRegistry}, so a trace runs from the dispatching request to the task's run.
	 */
	private boolean enabled = true;

	/**
	 * Whether observations are made only when a tracing bridge (Brave or OpenTelemetry) provides a Tracer. Set
	 * to false to observe with any ObservationRegistry, for observation handlers of your own.
	 */
	private boolean requireTracer = true;

	public boolean isRequireTracer() {
		return this.requireTracer;
	}

	public void setRequireTracer(boolean requireTracer) {
		this.requireTracer = requireTracer;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

}
