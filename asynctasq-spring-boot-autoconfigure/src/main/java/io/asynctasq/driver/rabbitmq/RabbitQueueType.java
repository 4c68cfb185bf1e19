package io.asynctasq.driver.rabbitmq;

/** The RabbitMQ queue type of the work, dead-letter and delay queues. */
public enum RabbitQueueType {

	/** Classic queues: one node, lowest overhead. */
	CLASSIC,

	/** Quorum queues: replicated (Raft), at-least-once dead-lettering of expired delays. */
	QUORUM

}
