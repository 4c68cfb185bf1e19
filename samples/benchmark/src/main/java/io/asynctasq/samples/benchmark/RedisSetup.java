package io.asynctasq.samples.benchmark;

import java.nio.charset.StandardCharsets;
import java.util.OptionalDouble;
import java.util.Properties;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.redis.RedisDriver;
import io.lettuce.core.LettuceVersion;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;
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

	/** One script call per task: pop an id, read its record, delete it. */
	@Override
	public OptionalDouble rawLimit(int tasks) throws Exception {
		byte[] ready = bytes(this.keyPrefix + ":raw:ready");
		byte[] taskPrefix = bytes(this.keyPrefix + ":raw:t:");
		String sha;
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.scriptingCommands().eval(bytes(FILL), ReturnType.INTEGER, 2, ready, taskPrefix,
					bytes(Integer.toString(tasks)));
			sha = connection.scriptingCommands().scriptLoad(bytes(CLAIM_AND_ACKNOWLEDGE));
		}
		String script = sha;
		return OptionalDouble.of(RawLimit.perSecond(tasks, () -> {
			// a connection per call, as the driver takes one: all share Lettuce's one native connection
			try (RedisConnection connection = this.connectionFactory.getConnection()) {
				Long taken = connection.scriptingCommands().evalSha(script, ReturnType.INTEGER, 2, ready, taskPrefix);
				return (taken != null) ? taken.intValue() : 0;
			}
		}));
	}

	private static final String FILL = "for i = 1, tonumber(ARGV[1]) do "
			+ "redis.call('HSET', KEYS[2] .. i, 'body', '{\"v\":1}', 'tok', ''); redis.call('RPUSH', KEYS[1], i) end "
			+ "return 1";

	private static final String CLAIM_AND_ACKNOWLEDGE = "local id = redis.call('LPOP', KEYS[1]) "
			+ "if not id then return 0 end local key = KEYS[2] .. id redis.call('HGET', key, 'body') "
			+ "redis.call('DEL', key) return 1";

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
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
