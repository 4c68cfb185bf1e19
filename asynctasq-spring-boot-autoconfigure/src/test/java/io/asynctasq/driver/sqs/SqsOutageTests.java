package io.asynctasq.driver.sqs;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.DriverOutageContractTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The outage contract on SQS: the SDK's default client, to an ElasticMQ server in this JVM through the proxy. */
class SqsOutageTests extends DriverOutageContractTests {

	private static ElasticMqServer server;

	@BeforeAll
	static void startServer() {
		server = ElasticMqServer.start();
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Override
	protected int serverPort() {
		return server.port();
	}

	@Override
	protected QueueDriver createDriver(String namespace, int port) {
		return new SqsDriver(ElasticMqServer.client(port), true, namespace + "-", true,
				SqsDriver.DEFAULT_MAX_MESSAGE_SIZE, SqsDriver.DEFAULT_MAX_DELAY, SqsDriver.DEFAULT_CALL_TIMEOUT);
	}

	@Override
	protected void cleanUp(String namespace, String queue) {
		server.deleteQueues(namespace + "-");
	}

}
