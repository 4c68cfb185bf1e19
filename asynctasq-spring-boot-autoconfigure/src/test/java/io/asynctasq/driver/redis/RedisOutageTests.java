package io.asynctasq.driver.redis;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.DriverOutageContractTests;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The outage contract on Redis, through Lettuce with its default settings (60 s command timeout). */
class RedisOutageTests extends DriverOutageContractTests {

	@Override
	protected int serverPort() {
		return RedisTestSupport.PORT;
	}

	@Override
	protected QueueDriver createDriver(String namespace, int port) {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(RedisTestSupport.HOST, port, null);
		closeAfterTest(factory::destroy);
		return new RedisDriver(factory, namespace);
	}

	@Override
	protected void cleanUp(String namespace, String queue) {
		RedisTestSupport.deleteKeys(namespace);
	}

}
