package io.asynctasq.samples.benchmark;

import java.util.Properties;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.redis.RedisDriver;
import io.lettuce.core.LettuceVersion;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

/** The Redis driver against 127.0.0.1:6379, under a key prefix of its own that is deleted afterwards. */
final class RedisSetup implements DriverSetup {

	private final String keyPrefix = "asynctasq-bench-" + ProcessHandle.current().pid();

	private final LettuceConnectionFactory connectionFactory;

	RedisSetup() {
		this.connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379));
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
	}

	@Override
	public String label() {
		return "redis";
	}

	@Override
	public String versions() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			Properties info = connection.serverCommands().info("server");
			return "Redis " + info.getProperty("redis_version") + ", Lettuce " + LettuceVersion.getVersion();
		}
	}

	@Override
	public QueueDriver createDriver() {
		return new RedisDriver(this.connectionFactory, this.keyPrefix);
	}

	@Override
	public void close() {
		try (RedisConnection connection = this.connectionFactory.getConnection();
				Cursor<byte[]> keys = connection.keyCommands()
					.scan(ScanOptions.scanOptions().match(this.keyPrefix + ":*").count(1000).build())) {
			while (keys.hasNext()) {
				connection.keyCommands().del(keys.next());
			}
		}
		finally {
			this.connectionFactory.destroy();
		}
	}

}
