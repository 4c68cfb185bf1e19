package io.asynctasq.autoconfigure;

import java.time.Duration;

import io.asynctasq.driver.rabbitmq.RabbitQueueType;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the RabbitMQ driver ({@code asynctasq.driver=rabbitmq}), under
 * {@code asynctasq.rabbitmq.*}. The connection itself is Spring AMQP's ({@code spring.rabbitmq.*}).
 */
@ConfigurationProperties("asynctasq.rabbitmq")
public class AsyncTasqRabbitProperties {

	/** Type of the queues the starter declares: classic, or quorum (replicated). */
	private RabbitQueueType queueType = RabbitQueueType.CLASSIC;

	/**
	 * Name of the exchange and prefix of every queue: "prefix.queue", "prefix.queue.dlq",
	 * "prefix.queue.delay.ms".
	 */
	private String prefix = "asynctasq";

	/** Maximum time a dispatch waits for the broker's publisher confirm before it fails. */
	private Duration confirmTimeout = Duration.ofSeconds(10);

	/**
	 * Maximum unacknowledged deliveries per queue and process (the consumer prefetch); 0 = the worker's
	 * concurrency, at least 10.
	 */
	private int prefetch = 0;

	public RabbitQueueType getQueueType() {
		return this.queueType;
	}

	public void setQueueType(RabbitQueueType queueType) {
		this.queueType = queueType;
	}

	public String getPrefix() {
		return this.prefix;
	}

	public void setPrefix(String prefix) {
		this.prefix = prefix;
	}

	public Duration getConfirmTimeout() {
		return this.confirmTimeout;
	}

	public void setConfirmTimeout(Duration confirmTimeout) {
		this.confirmTimeout = confirmTimeout;
	}

	public int getPrefetch() {
		return this.prefetch;
	}

	public void setPrefetch(int prefetch) {
		this.prefetch = prefetch;
	}

}
