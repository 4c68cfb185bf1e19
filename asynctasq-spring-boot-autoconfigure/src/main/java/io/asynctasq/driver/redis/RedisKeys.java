package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The keys of one queue, {@code <prefix>:{<queue>}:<name>}: the queue name is the hash tag, so they share one
 * Redis Cluster slot and one script may touch all of them (the layout is in {@code docs/redis.md}). The worker
 * heartbeats have keys of their own ({@link #workers}).
 */
final class RedisKeys {

	final String queue;

	final byte[] ready;

	final byte[] delayed;

	final byte[] inFlight;

	final byte[] dead;

	final byte[] stats;

	final byte[] marker;

	final byte[] taskPrefix;

	RedisKeys(String prefix, String queue) {
		this.queue = queue;
		String base = prefix + ":{" + queue + "}:";
		this.ready = bytes(base + "ready");
		this.delayed = bytes(base + "delayed");
		this.inFlight = bytes(base + "inflight");
		this.dead = bytes(base + "dead");
		this.stats = bytes(base + "stats");
		this.marker = bytes(base + "marker");
		this.taskPrefix = bytes(base + "task:");
	}

	/**
	 * The keys of the worker heartbeats, {@code <prefix>:{:workers}:beats} and {@code <prefix>:{:workers}:expiry}:
	 * one slot, and a hash tag no queue name can be (queue names have no colon).
	 */
	static List<byte[]> workers(String prefix) {
		String base = prefix + ":{:workers}:";
		return List.of(bytes(base + "beats"), bytes(base + "expiry"));
	}

	static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
