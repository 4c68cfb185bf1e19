package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

/** The Redis server of the tests (127.0.0.1:6379), a Redis Cluster's factory, and deleting what a test created. */
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

	/** {@link #deleteKeys(LettuceConnectionFactory, String)} on a connection of its own, closed after. */
	public static long deleteKeys(String prefix) {
		LettuceConnectionFactory factory = connectionFactory(null);
		try {
			return deleteKeys(factory, prefix);
		}
		finally {
			factory.destroy();
		}
	}

	/** Deletes every key starting with {@code prefix + ":"}; returns how many. */
	public static long deleteKeys(LettuceConnectionFactory factory, String prefix) {
		List<byte[]> keys = keys(factory, prefix);
		long deleted = 0;
		try (RedisConnection connection = factory.getConnection()) {
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
		return keys(factory, prefix).size();
	}

	/** The keys starting with {@code prefix + ":"}; on a Redis Cluster SCAN runs on every master, as it sees one node's keys. */
	private static List<byte[]> keys(LettuceConnectionFactory factory, String prefix) {
		ScanOptions options = ScanOptions.scanOptions().match(prefix + ":*").count(1000).build();
		List<byte[]> keys = new ArrayList<>();
		if (factory.isClusterAware()) {
			try (RedisClusterConnection connection = factory.getClusterConnection()) {
				for (RedisClusterNode node : connection.clusterGetNodes()) {
					if (node.isMaster()) {
						try (Cursor<byte[]> cursor = connection.scan(node, options)) {
							cursor.forEachRemaining(keys::add);
						}
					}
				}
			}
			return keys;
		}
		try (RedisConnection connection = factory.getConnection();
				Cursor<byte[]> cursor = connection.keyCommands().scan(options)) {
			cursor.forEachRemaining(keys::add);
		}
		return keys;
	}

	/**
	 * Spring Boot's own Redis auto-configuration, as an application gets it from {@code properties}
	 * ({@code spring.data.redis.*}) and default client settings; its {@link LettuceConnectionFactory} is
	 * destroyed when the context is closed.
	 */
	static ConfigurableApplicationContext springBootRedis(String... properties) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		TestPropertyValues.of(properties).applyTo(context);
		context.register(DataRedisAutoConfiguration.class);
		context.refresh();
		return context;
	}

	static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
