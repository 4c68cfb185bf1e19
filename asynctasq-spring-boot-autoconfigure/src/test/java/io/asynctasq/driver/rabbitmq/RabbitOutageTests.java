package io.asynctasq.driver.rabbitmq;

import java.util.List;

import io.asynctasq.autoconfigure.AsyncTasqRabbitProperties;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.DriverOutageContractTests;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/** The outage contract on RabbitMQ, through Spring AMQP's caching connection factory with its defaults. */
class RabbitOutageTests extends DriverOutageContractTests {

	@Override
	protected int serverPort() {
		return RabbitTestBroker.PORT;
	}

	@Override
	protected QueueDriver createDriver(String namespace, int port) {
		CachingConnectionFactory factory = new CachingConnectionFactory(RabbitTestBroker.HOST, port);
		factory.setUsername("guest");
		factory.setPassword("guest");
		closeAfterTest(factory::destroy);
		AsyncTasqRabbitProperties defaults = new AsyncTasqRabbitProperties();
		return new RabbitDriver(factory, namespace, defaults.getQueueType(), defaults.getConfirmTimeout(),
				defaults.getPrefetch());
	}

	@Override
	protected void cleanUp(String namespace, String queue) {
		RabbitTestBroker.deleteTopology(namespace, List.of(queue));
	}

}
