package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.util.List;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * The RabbitMQ driver on quorum queues against the driver TCK, on the broker at 127.0.0.1:5672, each test on
 * its own prefix.
 */
class RabbitQuorumDriverTests extends QueueDriverContractTests {

	private static CachingConnectionFactory connectionFactory;

	@BeforeAll
	static void connect() {
		connectionFactory = RabbitTestBroker.connectionFactory();
	}

	@AfterAll
	static void disconnect() {
		connectionFactory.destroy();
	}

	@Override
	protected QueueDriver createDriver(String namespace) {
		return RabbitTestBroker.driver(connectionFactory, namespace, RabbitQueueType.QUORUM);
	}

	@Override
	protected QueueDriver createDriver(String namespace, Duration deadLetterRetention) {
		return RabbitTestBroker.driver(connectionFactory, namespace, RabbitQueueType.QUORUM, deadLetterRetention);
	}

	@Override
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
		RabbitTestBroker.deleteTopology(namespace, queuesUsed);
	}

}
