package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisSortedSetAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Waits with {@code BZPOPMIN} on the markers, on dedicated Lettuce connections opened from the
 * application's client (same URI or cluster nodes, credentials, TLS and client options). The connections
 * are reused between waits, carry a client name, and are the only ones this driver closes: closing them
 * ends a blocked wait at once, and an interrupted wait discards its connections so the server drops the
 * blocked commands.
 * <p>
 * On a standalone server one {@code BZPOPMIN} waits on all markers. On a Redis Cluster one command can
 * only block on keys of one slot, so the markers are grouped by slot and each group waits on its own
 * cluster connection, routed to the node that owns the slot; the first group woken ends the wait. The
 * groups still blocked keep their connections until they answer, and a wake-up one of them takes then is
 * put back on its marker, so no wake-up is lost.
 */
final class LettuceMarkerWaiter implements MarkerWaiter {

	/** Extra time allowed for the server's answer beyond the blocking timeout. */
	private static final long ANSWER_GRACE_MILLIS = 10_000;

	/** The member {@code lib/marker.lua}'s {@code wakeIdleWorkers} sets, to put a wake-up back. */
	private static final byte[] WAKE_MEMBER = "0".getBytes(StandardCharsets.UTF_8);

	private final Supplier<WaitConnection> opener;

	private final boolean cluster;

	private final Deque<WaitConnection> idle = new ConcurrentLinkedDeque<>();

	private final Set<WaitConnection> open = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	private LettuceMarkerWaiter(Supplier<WaitConnection> opener, boolean cluster) {
		this.opener = opener;
		this.cluster = cluster;
	}

	/**
	 * A waiter for {@code factory} when it is a Lettuce factory (standalone, sentinel, static
	 * master/replica or cluster); {@code null} otherwise.
	 */
	static @Nullable MarkerWaiter forFactory(RedisConnectionFactory factory, String clientName) {
		if (!(factory instanceof LettuceConnectionFactory lettuce)) {
			return null;
		}
		byte[] name = clientName.getBytes(StandardCharsets.UTF_8);
		if (lettuce.isClusterAware()) {
			return new LettuceMarkerWaiter(() -> new ClusterWaitConnection(
					((RedisClusterClient) lettuce.getRequiredNativeClient()).connect(ByteArrayCodec.INSTANCE), name),
					true);
		}
		return new LettuceMarkerWaiter(() -> new StandaloneWaitConnection(
				((RedisClient) lettuce.getRequiredNativeClient()).connect(ByteArrayCodec.INSTANCE), name), false);
	}

	/** {@code Redis at host:port} or {@code Redis Cluster at host:port,...} for a Lettuce factory, or {@code null}. */
	static @Nullable String describe(RedisConnectionFactory factory) {
		if (!(factory instanceof LettuceConnectionFactory lettuce)) {
			return null;
		}
		if (lettuce.isClusterAware() && lettuce.getClusterConfiguration() != null) {
			return "Redis Cluster at " + lettuce.getClusterConfiguration()
				.getClusterNodes()
				.stream()
				.map(RedisNode::asString)
				.collect(Collectors.joining(","));
		}
		return "Redis at " + lettuce.getHostName() + ":" + lettuce.getPort();
	}

	@Override
	public boolean await(List<byte[]> markers, long timeoutMillis) throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException();
		}
		double seconds = Math.max(1, timeoutMillis) / 1000.0;
		Map<Integer, List<byte[]>> groups = bySlot(markers);
		CompletableFuture<Boolean> woken = new CompletableFuture<>();
		AtomicInteger unanswered = new AtomicInteger(groups.size());
		AtomicReference<Wait> taker = new AtomicReference<>();
		List<Wait> waits = new ArrayList<>(groups.size());
		boolean answered = false;
		try {
			for (Map.Entry<Integer, List<byte[]>> group : groups.entrySet()) {
				Wait wait = new Wait(borrow());
				waits.add(wait);
				wait.reply = wait.connection.bzpopmin(group.getKey(), seconds, group.getValue().toArray(new byte[0][]));
				wait.reply.whenComplete((popped, failure) -> {
					if (failure != null) {
						woken.completeExceptionally(failure);
					}
					else if (popped != null && popped.hasValue()) {
						if (taker.compareAndSet(null, wait)) {
							woken.complete(true);
						}
					}
					else if (unanswered.decrementAndGet() == 0) {
						woken.complete(false);
					}
				});
			}
			boolean result = woken.get(timeoutMillis + ANSWER_GRACE_MILLIS, TimeUnit.MILLISECONDS);
			answered = true;
			return result;
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
			for (Wait wait : waits) {
				settle(wait, answered, wait == taker.get());
			}
		}
	}

	/** The markers by slot, in their order (all in one group on a standalone server). */
	private Map<Integer, List<byte[]>> bySlot(List<byte[]> markers) {
		Map<Integer, List<byte[]>> groups = new LinkedHashMap<>();
		for (byte[] marker : markers) {
			int slot = this.cluster ? SlotHash.getSlot(marker) : 0;
			groups.computeIfAbsent(slot, (key) -> new ArrayList<>(1)).add(marker);
		}
		return groups;
	}

	/**
	 * After a wait: its connection goes back to the idle ones once its command answered, and a wake-up it
	 * took that did not end the wait is put back; it is discarded when the wait failed or was interrupted.
	 */
	private void settle(Wait wait, boolean answered, boolean taken) {
		RedisFuture<KeyValue<byte[], ScoredValue<byte[]>>> reply = wait.reply;
		if (!answered || reply == null) {
			discard(wait.connection);
			return;
		}
		reply.whenComplete((popped, failure) -> {
			if (failure != null || this.closed) {
				discard(wait.connection);
				return;
			}
			if (popped != null && popped.hasValue() && !taken) {
				wait.connection.wake(popped.getKey());
			}
			this.idle.push(wait.connection);
		});
	}

	private WaitConnection borrow() {
		WaitConnection connection = this.idle.poll();
		if (connection != null) {
			return connection;
		}
		connection = this.opener.get();
		this.open.add(connection);
		if (this.closed) {
			discard(connection);
			throw new IllegalStateException("The Redis driver is closed");
		}
		return connection;
	}

	/** Closes {@code connection} once (Lettuce warns when a connection is closed twice). */
	private void discard(WaitConnection connection) {
		this.idle.remove(connection);
		if (this.open.remove(connection)) {
			connection.connection().closeAsync();
		}
	}

	@Override
	public void close() {
		this.closed = true;
		for (WaitConnection connection : List.copyOf(this.open)) {
			discard(connection);
		}
	}

	/** One group's blocked command: its connection and its reply. */
	private static final class Wait {

		final WaitConnection connection;

		@Nullable RedisFuture<KeyValue<byte[], ScoredValue<byte[]>>> reply;

		Wait(WaitConnection connection) {
			this.connection = connection;
		}

	}

	/** A dedicated connection for one blocked command at a time, named where it waits before its first wait there. */
	private abstract static class WaitConnection {

		final byte[] clientName;

		WaitConnection(byte[] clientName) {
			this.clientName = clientName;
		}

		abstract StatefulConnection<byte[], byte[]> connection();

		abstract RedisSortedSetAsyncCommands<byte[], byte[]> commands();

		/** Sets the client name on the server connection a wait on {@code slot} goes through, once. */
		abstract void nameFor(int slot);

		/** Blocks on {@code markers}, all of {@code slot}. */
		RedisFuture<KeyValue<byte[], ScoredValue<byte[]>>> bzpopmin(int slot, double seconds, byte[][] markers) {
			nameFor(slot);
			return commands().bzpopmin(seconds, markers);
		}

		/** Puts a wake-up back on {@code marker}, as {@code lib/marker.lua} sets it. */
		void wake(byte[] marker) {
			commands().zadd(marker, 0, WAKE_MEMBER);
		}

	}

	private static final class StandaloneWaitConnection extends WaitConnection {

		private final StatefulRedisConnection<byte[], byte[]> connection;

		private boolean named;

		StandaloneWaitConnection(StatefulRedisConnection<byte[], byte[]> connection, byte[] clientName) {
			super(clientName);
			this.connection = connection;
		}

		@Override
		StatefulConnection<byte[], byte[]> connection() {
			return this.connection;
		}

		@Override
		RedisSortedSetAsyncCommands<byte[], byte[]> commands() {
			return this.connection.async();
		}

		@Override
		void nameFor(int slot) {
			if (!this.named) {
				this.connection.sync().clientSetname(this.clientName);
				this.named = true;
			}
		}

	}

	/**
	 * A cluster connection: each wait is routed to the node owning its slot (following redirections),
	 * through this cluster connection's connection to that node, which is named before its first wait.
	 * Naming the cluster connection itself would open a connection to every node.
	 */
	private static final class ClusterWaitConnection extends WaitConnection {

		private final StatefulRedisClusterConnection<byte[], byte[]> connection;

		private final Set<String> namedNodes = new HashSet<>();

		ClusterWaitConnection(StatefulRedisClusterConnection<byte[], byte[]> connection, byte[] clientName) {
			super(clientName);
			this.connection = connection;
		}

		@Override
		StatefulConnection<byte[], byte[]> connection() {
			return this.connection;
		}

		@Override
		RedisSortedSetAsyncCommands<byte[], byte[]> commands() {
			return this.connection.async();
		}

		@Override
		void nameFor(int slot) {
			RedisClusterNode owner = this.connection.getPartitions().getMasterBySlot(slot);
			if (owner != null) {
				RedisURI uri = owner.getUri();
				if (this.namedNodes.add(uri.getHost() + ":" + uri.getPort())) {
					this.connection.getConnection(uri.getHost(), uri.getPort()).sync().clientSetname(this.clientName);
				}
			}
		}

	}

}
