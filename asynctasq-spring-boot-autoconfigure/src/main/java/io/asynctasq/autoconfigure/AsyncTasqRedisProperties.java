package io.asynctasq.autoconfigure;

import io.asynctasq.driver.redis.RedisDriver;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

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
		try {
			this.keyPrefix = RedisDriver.validateKeyPrefix(keyPrefix);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException("asynctasq.redis.key-prefix", keyPrefix,
					ex.getMessage());
		}
	}

	public String getClientName() {
		return this.clientName;
	}

	public void setClientName(String clientName) {
		if (clientName == null || clientName.isBlank() || clientName.chars().anyMatch(Character::isWhitespace)) {
			throw new IllegalArgumentException("must be a name without spaces, e.g. orders-worker");
		}
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
			if (channel == null || channel.isBlank()) {
				throw new IllegalArgumentException("must not be empty, e.g. asynctasq:events");
			}
			this.channel = channel;
		}

	}

}
