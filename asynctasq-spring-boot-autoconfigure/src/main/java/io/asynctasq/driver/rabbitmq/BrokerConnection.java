package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import io.asynctasq.driver.Causes;
import io.asynctasq.driver.DriverException;
import org.jspecify.annotations.Nullable;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * The driver's connection from the application's {@link ConnectionFactory} (which re-creates it once lost and
 * is never closed by the driver), the channels opened on it, and one admin channel for declarations and
 * reads, on which each task queue's topology is declared the first time it is used.
 */
final class BrokerConnection implements AutoCloseable {

	private final ConnectionFactory connectionFactory;

	private final RabbitTopology topology;

	/** Guards {@link #connection}. */
	private final Object connectionLock = new Object();

	private @Nullable Connection connection;

	/** Guards {@link #adminChannel}: admin actions run one at a time. */
	private final Object adminLock = new Object();

	private @Nullable Channel adminChannel;

	/** Task queues whose topology was declared by this driver. */
	private final Set<String> declared = ConcurrentHashMap.newKeySet();

	BrokerConnection(ConnectionFactory connectionFactory, RabbitTopology topology) {
		this.connectionFactory = connectionFactory;
		this.topology = topology;
	}

	/** Declares the topology of {@code queue} unless this driver did already (idempotent on the broker). */
	void declare(String queue) {
		if (this.declared.contains(queue)) {
			return;
		}
		admin((channel) -> {
			this.topology.declare(channel, queue);
			return null;
		});
		this.declared.add(queue);
	}

	/** Declares the topology of {@code queue} again on its next use (its queues may have been deleted). */
	void forget(String queue) {
		this.declared.remove(queue);
	}

	/** The sum of the ready counts of {@code queues} on the broker. */
	long messageCount(List<String> queues) {
		return admin((channel) -> {
			long sum = 0;
			for (String queue : queues) {
				sum += channel.queueDeclarePassive(queue).getMessageCount();
			}
			return sum;
		});
	}

	/** Declares the exchange again: a round trip that fails while the broker is unreachable. */
	void ping() {
		admin((channel) -> {
			channel.exchangeDeclare(this.topology.exchange(), "direct", true);
			return null;
		});
	}

	/** Runs {@code action} on the admin channel, opened again after it closed. */
	<T> T admin(ChannelAction<T> action) {
		synchronized (this.adminLock) {
			try {
				if (this.adminChannel == null || !this.adminChannel.isOpen()) {
					this.adminChannel = newChannel();
				}
				return action.apply(this.adminChannel);
			}
			catch (IOException | ShutdownSignalException ex) {
				throw new DriverException("RabbitMQ operation failed: " + describe(ex), ex);
			}
		}
	}

	/** A new channel on the factory's connection, which is opened again after it was lost. */
	Channel newChannel() throws IOException {
		try {
			Connection current;
			synchronized (this.connectionLock) {
				if (this.connection == null || !this.connection.isOpen()) {
					// Spring AMQP opens a new connection when the previous one was lost
					this.connection = this.connectionFactory.createConnection();
				}
				current = this.connection;
			}
			Channel channel = current.getDelegate().createChannel();
			if (channel == null) {
				throw new DriverException("RabbitMQ refused a new channel (channel-max reached)");
			}
			return channel;
		}
		catch (AmqpException ex) {
			throw new DriverException("RabbitMQ is unreachable at " + this.connectionFactory.getHost() + ":"
					+ this.connectionFactory.getPort() + ": " + describe(ex), ex);
		}
	}

	/** Closes the admin channel and gives the connection back to the factory. */
	@Override
	public void close() {
		synchronized (this.adminLock) {
			closeQuietly(this.adminChannel);
		}
		synchronized (this.connectionLock) {
			if (this.connection != null) {
				try {
					// a no-op for the factory's shared connection
					this.connection.close();
				}
				catch (RuntimeException ignored) {
					// closing anyway
				}
			}
		}
	}

	/** What went wrong, for a message: the broker's close reason, else the root cause's message. */
	static String describe(Throwable ex) {
		Throwable cause = Causes.root(ex);
		if (cause instanceof ShutdownSignalException signal) {
			return (signal.getReason() != null) ? signal.getReason().toString() : signal.getMessage();
		}
		return (cause.getMessage() != null) ? cause.getMessage() : cause.toString();
	}

	static void closeQuietly(@Nullable Channel channel) {
		if (channel == null) {
			return;
		}
		try {
			if (channel.isOpen()) {
				channel.close();
			}
		}
		catch (IOException | TimeoutException | RuntimeException ignored) {
			// closing anyway
		}
	}

	/** An action on a channel. */
	@FunctionalInterface
	interface ChannelAction<T> {

		T apply(Channel channel) throws IOException;

	}

}
