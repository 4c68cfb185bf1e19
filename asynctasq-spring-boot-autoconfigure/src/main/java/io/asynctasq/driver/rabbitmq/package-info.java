/**
 * The RabbitMQ driver on Spring AMQP: confirms, manual acknowledgements, delay queues.
 */
@NullMarked
package io.asynctasq.driver.rabbitmq;

import org.jspecify.annotations.NullMarked;
