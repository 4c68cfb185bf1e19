package io.asynctasq.autoconfigure;

import java.time.Duration;

import io.asynctasq.worker.Worker;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Task results, under {@code asynctasq.results.*}: what became of each task's latest attempt, kept for a time. */
@ConfigurationProperties("asynctasq.results")
public class AsyncTasqResultsProperties {

	/**
	 * Whether the worker records each attempt's outcome (succeeded with the return value as JSON, retrying or
	 * dead-lettered with the error) in the driver's store, readable by task id. Off by default: then nothing is
	 * recorded and nothing costs. The memory, redis and jdbc drivers store results; with rabbitmq, enabling them
	 * fails at startup.
	 */
	private boolean enabled = false;

	/** How long a result is kept after its last record. */
	private Duration ttl = Worker.DEFAULT_RESULT_TTL;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getTtl() {
		return this.ttl;
	}

	public void setTtl(Duration ttl) {
		this.ttl = ttl;
	}

}
