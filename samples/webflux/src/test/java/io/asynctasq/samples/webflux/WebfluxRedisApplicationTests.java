package io.asynctasq.samples.webflux;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.asynctasq.driver.QueueDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link WebfluxApplicationTests} with the sample's {@code redis} profile, against the Redis server at
 * 127.0.0.1:6379 on a key prefix of its own: the driver calls are blocking Lettuce calls, made on AsyncTasQ's
 * dispatch executor, never on a Netty thread.
 */
@ActiveProfiles("redis")
class WebfluxRedisApplicationTests extends WebfluxApplicationTests {

	static final String PREFIX = "webflux-test-" + UUID.randomUUID().toString().substring(0, 8);

	@DynamicPropertySource
	static void keyPrefix(DynamicPropertyRegistry registry) {
		registry.add("asynctasq.redis.key-prefix", () -> PREFIX);
	}

	@Autowired
	RedisConnectionFactory connectionFactory;

	@Autowired
	QueueDriver driver;

	@Test
	void theRedisProfileUsesTheRedisDriver() {
		assertThat(this.driver.name()).isEqualTo("redis");
	}

	@AfterEach
	void deleteKeys() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			List<byte[]> keys = new ArrayList<>();
			try (Cursor<byte[]> cursor = connection.keyCommands()
				.scan(ScanOptions.scanOptions().match(PREFIX + ":*").count(1000).build())) {
				cursor.forEachRemaining(keys::add);
			}
			if (!keys.isEmpty()) {
				connection.keyCommands().del(keys.toArray(new byte[0][]));
			}
		}
	}

}
