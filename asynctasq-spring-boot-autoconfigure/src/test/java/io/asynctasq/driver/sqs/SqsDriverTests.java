package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.util.List;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The SQS driver against the driver TCK, on an ElasticMQ server in this JVM, each test on its own queue name
 * prefix. SQS counts delays and visibility timeouts in whole seconds, so the lease and delay of the timing
 * tests are a second or two.
 */
class SqsDriverTests extends QueueDriverContractTests {

	private static ElasticMqServer server;

	private static SqsAsyncClient client;

	@BeforeAll
	static void startServer() {
		server = ElasticMqServer.start();
		client = server.client();
	}

	@AfterAll
	static void stopServer() {
		client.close();
		server.close();
	}

	@Override
	protected QueueDriver createDriver(String namespace) {
		return new SqsDriver(client, namespace + "-");
	}

	@Override
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
		server.deleteQueues(namespace + "-");
	}

	@Override
	protected Duration shortLease() {
		return Duration.ofSeconds(2);
	}

	@Override
	protected Duration shortDelay() {
		return Duration.ofSeconds(1);
	}

}
