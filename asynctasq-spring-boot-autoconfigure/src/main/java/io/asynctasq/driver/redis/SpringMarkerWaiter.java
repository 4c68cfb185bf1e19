package io.asynctasq.driver.redis;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The portable fallback for a client other than Lettuce: a blocking pop through Spring Data Redis on the
 * first queue's marker only (one key, so also on a Redis Cluster). Other queues are then seen when the
 * wait ends, so the driver caps each wait at {@link #MAX_WAIT_MILLIS} when it serves several queues.
 */
final class SpringMarkerWaiter implements MarkerWaiter {

	static final long MAX_WAIT_MILLIS = 250;

	private final RedisConnectionFactory factory;

	SpringMarkerWaiter(RedisConnectionFactory factory) {
		this.factory = factory;
	}

	@Override
	public boolean await(List<byte[]> markers, long timeoutMillis) throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		long timeout = (markers.size() > 1) ? Math.min(timeoutMillis, MAX_WAIT_MILLIS) : timeoutMillis;
		boolean woken;
		try (RedisConnection connection = this.factory.getConnection()) {
			woken = connection.zSetCommands().bZPopMin(markers.get(0), Math.max(1, timeout), TimeUnit.MILLISECONDS) != null;
		}
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		return woken;
	}

	/** Only the first queue's marker, and several queues' waits are capped. */
	@Override
	public boolean watchesEveryMarker() {
		return false;
	}

	@Override
	public void close() {
	}

}
