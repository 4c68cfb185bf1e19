package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;

import io.asynctasq.driver.QueueNames;

/**
 * The keys of one queue. The queue name is the hash tag, so every key of a queue lives in one Redis
 * Cluster slot and one Lua script may touch all of them:
 * <pre>
 * &lt;prefix&gt;:{&lt;queue&gt;}:ready       list of task ids, front first
 * &lt;prefix&gt;:{&lt;queue&gt;}:delayed     sorted set: task id by due time (server microseconds)
 * &lt;prefix&gt;:{&lt;queue&gt;}:inflight    sorted set: task id by lease deadline (server milliseconds)
 * &lt;prefix&gt;:{&lt;queue&gt;}:dead        sorted set: task id by dead-letter sequence
 * &lt;prefix&gt;:{&lt;queue&gt;}:stats       hash: completed, failed, retried totals
 * &lt;prefix&gt;:{&lt;queue&gt;}:marker      sorted set idle workers block on (BZPOPMIN)
 * &lt;prefix&gt;:{&lt;queue&gt;}:task:&lt;id&gt;   hash: body, enq, att, tok, and reason, ecl, emsg, stack, dlat once dead
 * </pre>
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
		this.queue = QueueNames.validate(queue);
		String base = prefix + ":{" + queue + "}:";
		this.ready = bytes(base + "ready");
		this.delayed = bytes(base + "delayed");
		this.inFlight = bytes(base + "inflight");
		this.dead = bytes(base + "dead");
		this.stats = bytes(base + "stats");
		this.marker = bytes(base + "marker");
		this.taskPrefix = bytes(base + "task:");
	}

	static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
