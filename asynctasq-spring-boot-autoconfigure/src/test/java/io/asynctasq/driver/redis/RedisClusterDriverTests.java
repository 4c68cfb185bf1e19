package io.asynctasq.driver.redis;

import java.util.List;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis driver against the driver TCK on a Redis Cluster of three masters started for this class
 * ({@link PrivateRedisCluster}), through the factory Spring Boot builds from
 * {@code spring.data.redis.cluster.nodes}: every queue lives in one slot, the TCK's queues spread over
 * the three nodes.
 */
class RedisClusterDriverTests extends QueueDriverContractTests {

	private static PrivateRedisCluster cluster;

	private static ConfigurableApplicationContext redis;

	private static LettuceConnectionFactory connectionFactory;

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = PrivateRedisCluster.start(3);
		redis = RedisTestSupport.springBootRedis("spring.data.redis.cluster.nodes=" + String.join(",", cluster.nodes()));
		connectionFactory = redis.getBean(LettuceConnectionFactory.class);
		assertThat(connectionFactory.isClusterAware()).as("Spring Boot's factory is a cluster one").isTrue();
	}

	@AfterAll
	static void stopCluster() throws Exception {
		try {
			if (redis != null) {
				redis.close();
			}
		}
		finally {
			if (cluster != null) {
				cluster.close();
			}
		}
	}

	@Override
	protected QueueDriver createDriver(String namespace) {
		return new RedisDriver(connectionFactory, namespace, "asynctasq-tck-cluster");
	}

	@Override
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
		RedisTestSupport.deleteKeys(connectionFactory, namespace);
	}

}
