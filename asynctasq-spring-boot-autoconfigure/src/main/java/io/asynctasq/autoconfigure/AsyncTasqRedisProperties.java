package io.asynctasq.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the Redis driver ({@code asynctasq.driver=redis}), under {@code asynctasq.redis.*}.
 * The connection itself is Spring Boot's, configured under {@code spring.data.redis.*}.
 */
@ConfigurationProperties("asynctasq.redis")
public class AsyncTasqRedisProperties {

	/**
	 * Prefix of every Redis key the driver uses; keys are "<prefix>:{<queue>}:<part>". Letters, digits,
	 * '.', '_', '-' or ':', starting with a letter or digit and not ending with ':'.
	 */
	private String keyPrefix = "asynctasq";

	/** Client name (CLIENT SETNAME) of the connections the driver opens for idle workers' blocking waits. */
	private String clientName = "asynctasq";

	private final Events events = new Events();

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public String getClientName() {
		return this.clientName;
	}

	public void setClientName(String clientName) {
		this.clientName = clientName;
	}

	public Events getEvents() {
		return this.events;
	}

	/** Lifecycle events published to a Redis channel, for monitors outside the application. */
	public static class Events {

		/** Whether task and worker lifecycle events are also published to Redis as JSON. */
		private boolean enabled = false;

		/** Redis Pub/Sub channel the events are published to. */
		private String channel = "asynctasq:events";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getChannel() {
			return this.channel;
		}

		public void setChannel(String channel) {
			this.channel = channel;
		}

	}

}
