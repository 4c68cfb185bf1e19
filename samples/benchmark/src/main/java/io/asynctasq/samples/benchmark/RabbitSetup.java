package io.asynctasq.samples.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.rabbitmq.RabbitDriver;
import io.asynctasq.driver.rabbitmq.RabbitQueueType;
import io.asynctasq.driver.rabbitmq.RabbitTopology;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.Connection;

/** The RabbitMQ driver against 127.0.0.1:5672 (guest), under a prefix of its own whose queues are deleted. */
final class RabbitSetup implements DriverSetup {

	private final String prefix = "asynctasq-bench-" + ProcessHandle.current().pid();

	private final CachingConnectionFactory connectionFactory = new CachingConnectionFactory("127.0.0.1", 5672);

	private final List<String> queues = new ArrayList<>();

	private RabbitTopology topology;

	RabbitSetup() {
		this.connectionFactory.setUsername("guest");
		this.connectionFactory.setPassword("guest");
	}

	@Override
	public String label() {
		return "rabbitmq";
	}

	@Override
	public String versions() {
		try (Connection connection = this.connectionFactory.createConnection()) {
			Object version = connection.getDelegate().getServerProperties().get("version");
			return "RabbitMQ " + version + " (classic queues), amqp-client "
					+ com.rabbitmq.client.impl.ClientVersion.VERSION;
		}
	}

	@Override
	public QueueDriver createDriver() {
		RabbitDriver driver = new RabbitDriver(this.connectionFactory, this.prefix, RabbitQueueType.CLASSIC,
				Duration.ofSeconds(10), 0);
		this.topology = driver.topology();
		return driver;
	}

	@Override
	public void queueUsed(String queue) {
		this.queues.add(queue);
	}

	@Override
	public void close() {
		RabbitTopology topology = this.topology;
		if (topology == null) {
			this.connectionFactory.destroy();
			return;
		}
		try (Connection connection = this.connectionFactory.createConnection()) {
			com.rabbitmq.client.Channel channel = connection.createChannel(false);
			for (String queue : this.queues) {
				for (String name : topology.allQueues(queue)) {
					channel.queueDelete(name);
				}
			}
			channel.exchangeDelete(topology.exchange());
			channel.close();
		}
		catch (Exception ex) {
			throw new IllegalStateException("Cannot delete the benchmark's RabbitMQ queues", ex);
		}
		finally {
			this.connectionFactory.destroy();
		}
	}

}
