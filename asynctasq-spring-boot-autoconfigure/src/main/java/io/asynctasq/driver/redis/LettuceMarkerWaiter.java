package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Waits with {@code BZPOPMIN} over all markers at once, on dedicated Lettuce connections opened from
 * the application's {@link RedisClient} (same URI, credentials, TLS and client options). The
 * connections are reused between waits, carry a client name, and are the only ones this driver
 * closes: closing them ends a blocked wait at once, and an interrupted wait discards its connection so
 * the server drops the blocked command.
 */
final class LettuceMarkerWaiter implements MarkerWaiter {

	/** Extra time allowed for the server's answer beyond the blocking timeout. */
	private static final long ANSWER_GRACE_MILLIS = 10_000;

	private final Supplier<RedisClient> client;

	private final String clientName;

	private final Deque<StatefulRedisConnection<byte[], byte[]>> idle = new ConcurrentLinkedDeque<>();

	private final Set<StatefulRedisConnection<byte[], byte[]>> open = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	private LettuceMarkerWaiter(Supplier<RedisClient> client, String clientName) {
		this.client = client;
		this.clientName = clientName;
	}

	/**
	 * A waiter for {@code factory} when it is a standalone, sentinel or static master/replica Lettuce
	 * factory; {@code null} otherwise (a cluster client cannot block on keys of several slots).
	 */
	static MarkerWaiter forFactory(RedisConnectionFactory factory, String clientName) {
		if (!(factory instanceof LettuceConnectionFactory lettuce) || lettuce.isClusterAware()) {
			return null;
		}
		return new LettuceMarkerWaiter(() -> (RedisClient) lettuce.getRequiredNativeClient(), clientName);
	}

	/** The {@code host:port} of a Lettuce factory, or {@code null}. */
	static @Nullable String describe(RedisConnectionFactory factory) {
		if (factory instanceof LettuceConnectionFactory lettuce) {
			return lettuce.getHostName() + ":" + lettuce.getPort();
		}
		return null;
	}

	@Override
	public boolean await(List<byte[]> markers, long timeoutMillis) throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		StatefulRedisConnection<byte[], byte[]> connection = borrow();
		boolean reusable = false;
		try {
			double seconds = Math.max(1, timeoutMillis) / 1000.0;
			RedisFuture<KeyValue<byte[], ScoredValue<byte[]>>> popped = connection.async()
				.bzpopmin(seconds, markers.toArray(new byte[0][]));
			KeyValue<byte[], ScoredValue<byte[]>> result = popped.get(timeoutMillis + ANSWER_GRACE_MILLIS,
					TimeUnit.MILLISECONDS);
			reusable = true;
			return result != null && result.hasValue();
		}
		catch (ExecutionException ex) {
			if (this.closed) {
				return false;
			}
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			throw (cause instanceof RuntimeException runtime) ? runtime : new IllegalStateException(cause);
		}
		catch (TimeoutException ex) {
			throw new io.lettuce.core.RedisCommandTimeoutException(
					"BZPOPMIN got no answer within " + (timeoutMillis + ANSWER_GRACE_MILLIS) + " ms");
		}
		finally {
			if (reusable && !this.closed) {
				this.idle.push(connection);
			}
			else {
				discard(connection);
			}
		}
	}

	private StatefulRedisConnection<byte[], byte[]> borrow() {
		StatefulRedisConnection<byte[], byte[]> connection = this.idle.poll();
		if (connection != null) {
			return connection;
		}
		connection = this.client.get().connect(ByteArrayCodec.INSTANCE);
		this.open.add(connection);
		if (this.closed) {
			discard(connection);
			throw new IllegalStateException("The Redis driver is closed");
		}
		try {
			connection.sync().clientSetname(this.clientName.getBytes(StandardCharsets.UTF_8));
		}
		catch (RuntimeException ex) {
			discard(connection);
			throw ex;
		}
		return connection;
	}

	private void discard(StatefulRedisConnection<byte[], byte[]> connection) {
		this.open.remove(connection);
		this.idle.remove(connection);
		connection.closeAsync();
	}

	@Override
	public void close() {
		this.closed = true;
		for (StatefulRedisConnection<byte[], byte[]> connection : List.copyOf(this.open)) {
			discard(connection);
		}
	}

}
