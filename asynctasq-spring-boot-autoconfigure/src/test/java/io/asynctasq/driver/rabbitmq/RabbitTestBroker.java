package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/** The RabbitMQ broker the tests use: 127.0.0.1:5672, guest/guest, and clean-up of what a test declared. */
public final class RabbitTestBroker {

	static final String HOST = "127.0.0.1";

	static final int PORT = 5672;

	private RabbitTestBroker() {
	}

	/** A prefix of its own for one test's exchange and queues. */
	static String newPrefix() {
		return "test-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
	}

	/** A driver with the test defaults: classic queues, 5 s confirm timeout, default prefetch. */
	static RabbitDriver driver(CachingConnectionFactory factory, String prefix) {
		return driver(factory, prefix, RabbitQueueType.CLASSIC);
	}

	/** A driver with the test defaults and queues of {@code type}. */
	static RabbitDriver driver(CachingConnectionFactory factory, String prefix, RabbitQueueType type) {
		return new RabbitDriver(factory, prefix, type, Duration.ofSeconds(5), 0);
	}

	/** A driver with the test defaults, queues of {@code type} and dead letters expiring after {@code retention}. */
	static RabbitDriver driver(CachingConnectionFactory factory, String prefix, RabbitQueueType type,
			Duration retention) {
		return new RabbitDriver(factory, prefix, type, Duration.ofSeconds(5), 0, retention);
	}

	static CachingConnectionFactory connectionFactory() {
		CachingConnectionFactory factory = new CachingConnectionFactory(HOST, PORT);
		factory.setUsername("guest");
		factory.setPassword("guest");
		return factory;
	}

	/** The headers the driver gives a task of {@code queue}: its queue, enqueued now, no attempt made. */
	static Map<String, Object> taskHeaders(String queue) {
		Map<String, Object> headers = new HashMap<>();
		headers.put(TaskHeaders.QUEUE, queue);
		headers.put(TaskHeaders.ENQUEUED_AT, System.currentTimeMillis());
		headers.put(TaskHeaders.ATTEMPTS, 0);
		return headers;
	}

	/**
	 * Publishes straight to the work queue of {@code queue}, bypassing the driver: a message with the
	 * driver's {@linkplain #taskHeaders headers} and {@code attempts} as the attempts header.
	 */
	static void publishRaw(Channel channel, RabbitTopology topology, String queue, String id, Object attempts,
			byte[] body) throws IOException {
		Map<String, Object> headers = taskHeaders(queue);
		headers.put(TaskHeaders.ATTEMPTS, attempts);
		publishRaw(channel, topology, queue, id, headers, body);
	}

	/** Publishes straight to the work queue of {@code queue} with exactly {@code headers}. */
	static void publishRaw(Channel channel, RabbitTopology topology, String queue, String id,
			Map<String, Object> headers, byte[] body) throws IOException {
		channel.basicPublish("", topology.workQueue(queue),
				new AMQP.BasicProperties.Builder().messageId(id).deliveryMode(2).headers(headers).build(), body);
	}

	/** Deletes every queue of {@code queues} under {@code prefix}, the heartbeats queue and the exchange, on a connection of its own. */
	public static void deleteTopology(String prefix, List<String> queues) {
		ConnectionFactory factory = new ConnectionFactory();
		factory.setHost(HOST);
		factory.setPort(PORT);
		factory.setUsername("guest");
		factory.setPassword("guest");
		RabbitTopology topology = new RabbitTopology(prefix, RabbitQueueType.CLASSIC);
		try (Connection connection = factory.newConnection("asynctasq-test-cleanup");
				Channel channel = connection.createChannel()) {
			for (String queue : queues) {
				for (String name : topology.allQueues(queue)) {
					channel.queueDelete(name);
				}
			}
			channel.queueDelete(topology.workersQueue());
			channel.exchangeDelete(topology.exchange());
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not clean up RabbitMQ objects of prefix " + prefix, ex);
		}
	}

}
