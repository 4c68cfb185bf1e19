package io.asynctasq.driver.rabbitmq;

import io.asynctasq.driver.TaskMessage;

/** A delivery of a task, buffered by its consumer or reserved in this process. */
final class Delivered {

	final QueueConsumer consumer;

	final long deliveryTag;

	final TaskMessage message;

	/**
	 * The attempts made before the next reservation, as stored: possibly out of range (corrupt). Guarded by
	 * {@link QueueConsumers#lock}; read without it only by whoever took this delivery's lease out of the table.
	 */
	long attemptsMade;

	Delivered(QueueConsumer consumer, long deliveryTag, TaskMessage message, long attemptsMade) {
		this.consumer = consumer;
		this.deliveryTag = deliveryTag;
		this.message = message;
		this.attemptsMade = attemptsMade;
	}

}
