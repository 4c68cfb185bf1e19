package io.asynctasq.driver.redis;

import java.util.List;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisSentinelConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The driver TCK once more, through a connection factory the driver cannot see is Lettuce: idle
 * reservers then wait through Spring Data Redis ({@link SpringMarkerWaiter}), as with another client.
 */
class RedisDriverPortableWaitTests extends QueueDriverContractTests {

	private static LettuceConnectionFactory connectionFactory;

	@BeforeAll
	static void connect() {
		connectionFactory = RedisTestSupport.connectionFactory("asynctasq-tck-portable");
	}

	@AfterAll
	static void disconnect() {
		connectionFactory.destroy();
	}

	@Override
	protected QueueDriver createDriver(String namespace) {
		return new RedisDriver(new OpaqueFactory(connectionFactory), namespace);
	}

	@Override
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
		RedisTestSupport.deleteKeys(connectionFactory, namespace);
	}

	/** Hides the factory's type. */
	private record OpaqueFactory(RedisConnectionFactory delegate) implements RedisConnectionFactory {

		@Override
		public RedisConnection getConnection() {
			return this.delegate.getConnection();
		}

		@Override
		public RedisClusterConnection getClusterConnection() {
			return this.delegate.getClusterConnection();
		}

		@Override
		public boolean getConvertPipelineAndTxResults() {
			return this.delegate.getConvertPipelineAndTxResults();
		}

		@Override
		public RedisSentinelConnection getSentinelConnection() {
			return this.delegate.getSentinelConnection();
		}

		@Override
		public DataAccessException translateExceptionIfPossible(RuntimeException ex) {
			return this.delegate.translateExceptionIfPossible(ex);
		}

	}

}
