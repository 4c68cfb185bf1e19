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

	/**
	 * Where results are kept: in the queue driver's backend (driver), or in the application's DataSource (jdbc,
	 * tables per asynctasq.jdbc.*) or Redis (redis, keys per asynctasq.redis.*) when the queue driver stores
	 * none, as RabbitMQ.
	 */
	private Store store = Store.DRIVER;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Store getStore() {
		return this.store;
	}

	public void setStore(Store store) {
		this.store = store;
	}

	public Duration getTtl() {
		return this.ttl;
	}

	public void setTtl(Duration ttl) {
		this.ttl = ttl;
	}

	/** Where task results are kept. */
	public enum Store {

		/** In the queue driver's backend. */
		DRIVER,

		/** In the application's DataSource, through a JDBC driver used only for results. */
		JDBC,

		/** In the application's Redis, through a Redis driver used only for results. */
		REDIS

	}

}
