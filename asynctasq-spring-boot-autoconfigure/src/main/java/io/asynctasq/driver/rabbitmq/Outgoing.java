package io.asynctasq.driver.rabbitmq;

import com.rabbitmq.client.AMQP;

/** A message to publish to the driver's exchange with {@code routingKey} (a queue name). */
record Outgoing(String routingKey, AMQP.BasicProperties properties, byte[] body) {
}
