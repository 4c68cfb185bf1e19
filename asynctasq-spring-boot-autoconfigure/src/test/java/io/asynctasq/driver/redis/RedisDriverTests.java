package io.asynctasq.driver.redis;

import java.util.List;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The Redis driver against the driver TCK, on the Redis server at 127.0.0.1:6379, one key prefix per test. */
class RedisDriverTests extends QueueDriverContractTests {

	private static LettuceConnectionFactory connectionFactory;

	@BeforeAll
	static void connect() {
		connectionFactory = RedisTestSupport.connectionFactory("asynctasq-tck");
	}

	@AfterAll
	static void disconnect() {
		connectionFactory.destroy();
	}

	@Override
	protected QueueDriver createDriver(String namespace) {
		return new RedisDriver(connectionFactory, namespace, "asynctasq-tck");
	}

	@Override
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
		RedisTestSupport.deleteKeys(connectionFactory, namespace);
	}

}
