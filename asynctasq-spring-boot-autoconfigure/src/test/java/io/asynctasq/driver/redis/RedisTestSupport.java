package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

/** The Redis server of the tests (127.0.0.1:6379), and deleting what a test created. */
public final class RedisTestSupport {

	static final String HOST = "127.0.0.1";

	static final int PORT = 6379;

	private RedisTestSupport() {
	}

	/** A started factory for the test server; its connections carry {@code clientName} when not null. */
	public static LettuceConnectionFactory connectionFactory(String clientName) {
		return connectionFactory(HOST, PORT, clientName);
	}

	static LettuceConnectionFactory connectionFactory(String host, int port, String clientName) {
		LettuceClientConfiguration.LettuceClientConfigurationBuilder client = LettuceClientConfiguration.builder();
		if (clientName != null) {
			client.clientName(clientName);
		}
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port),
				client.build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/** Deletes every key starting with {@code prefix + ":"}; returns how many. */
	static long deleteKeys(LettuceConnectionFactory factory, String prefix) {
		long deleted = 0;
		try (RedisConnection connection = factory.getConnection()) {
			List<byte[]> keys = new ArrayList<>();
			ScanOptions options = ScanOptions.scanOptions().match(prefix + ":*").count(1000).build();
			try (Cursor<byte[]> cursor = connection.keyCommands().scan(options)) {
				cursor.forEachRemaining(keys::add);
			}
			for (int i = 0; i < keys.size(); i += 500) {
				List<byte[]> chunk = keys.subList(i, Math.min(keys.size(), i + 500));
				Long count = connection.keyCommands().del(chunk.toArray(new byte[0][]));
				deleted += (count != null) ? count : 0;
			}
		}
		return deleted;
	}

	/** Number of keys starting with {@code prefix + ":"}. */
	static long countKeys(LettuceConnectionFactory factory, String prefix) {
		long count = 0;
		try (RedisConnection connection = factory.getConnection();
				Cursor<byte[]> cursor = connection.keyCommands()
					.scan(ScanOptions.scanOptions().match(prefix + ":*").count(1000).build())) {
			while (cursor.hasNext()) {
				cursor.next();
				count++;
			}
		}
		return count;
	}

	static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
