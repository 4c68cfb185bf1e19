package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;

import io.asynctasq.driver.QueueNames;

/**
 * The broker objects of one task queue and how they are named and declared.
 * <p>
 * One durable direct exchange named after the prefix; per task queue {@code q}: the work queue
 * {@code <prefix>.q}, the dead-letter queue {@code <prefix>.q.dlq}, one delay queue per delay level,
 * {@code <prefix>.q.delay.<ms>}, and the due queue {@code <prefix>.q.due}. Each queue is bound to the
 * exchange with its own name as routing key. A delay queue has a queue-level {@code x-message-ttl} of
 * its level and dead-letters expired messages to the due queue, so every message in it expires in
 * arrival order (no head-of-line blocking) and no broker plugin is needed.
 * <p>
 * The levels are 16 ms times the powers of four up to about 18.6 hours. A delay is covered by hops:
 * each hop waits in the largest level not longer than what remains. A consumer of the due queue (every
 * process serving the task queue runs one) reads the due time from a header and publishes the message
 * to the work queue when it is due, else to the next level (the smallest when less than it remains).
 * So a delayed message never waits behind ready tasks, is never ready before its due time (by the
 * clocks of the processes involved) and is late by less than the smallest level plus the hops' latency.
 */
public final class RabbitTopology {

	/** Delay levels in milliseconds, ascending. */
	static final long[] DELAY_LEVELS_MS;

	static {
		DELAY_LEVELS_MS = new long[12];
		long level = 16;
		for (int i = 0; i < DELAY_LEVELS_MS.length; i++) {
			DELAY_LEVELS_MS[i] = level;
			level *= 4;
		}
	}

	/** Below this many milliseconds remaining a delayed message counts as due. */
	static final long DUE_THRESHOLD_MS = 1;

	private static final Pattern VALID_PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");

	private final String prefix;

	private final RabbitQueueType queueType;

	RabbitTopology(String prefix, RabbitQueueType queueType) {
		if (prefix == null || !VALID_PREFIX.matcher(prefix).matches()) {
			throw new IllegalArgumentException("Invalid RabbitMQ prefix '" + prefix + "': use 1 to 80 letters, "
					+ "digits, '-', '_' or '.', starting with a letter or digit");
		}
		this.prefix = prefix;
		this.queueType = queueType;
	}

	/** The type of every queue declared. */
	public RabbitQueueType queueType() {
		return this.queueType;
	}

	/** The exchange every message is published to. */
	public String exchange() {
		return this.prefix;
	}

	/** The work queue of {@code queue}. */
	public String workQueue(String queue) {
		return this.prefix + "." + QueueNames.validate(queue);
	}

	/** The dead-letter queue of {@code queue}. */
	public String deadLetterQueue(String queue) {
		return workQueue(queue) + ".dlq";
	}

	/** The delay queue of {@code queue} for the level {@code levelMs}. */
	public String delayQueue(String queue, long levelMs) {
		return workQueue(queue) + ".delay." + levelMs;
	}

	/** The due queue of {@code queue}: where expired delays wait to be routed onwards. */
	public String dueQueue(String queue) {
		return workQueue(queue) + ".due";
	}

	/**
	 * The queue of the worker heartbeats, {@code <prefix>:workers}: a colon is in no prefix nor queue name, so
	 * no task queue's broker queue is named so.
	 */
	public String workersQueue() {
		return this.prefix + ":workers";
	}

	/**
	 * Declares the exchange and the heartbeats queue with its binding; idempotent. Always a classic queue,
	 * whatever the task queues' type: it holds transient messages that expire (see {@code docs/rabbitmq.md}).
	 */
	void declareWorkers(Channel channel) throws IOException {
		channel.exchangeDeclare(exchange(), BuiltinExchangeType.DIRECT, true);
		Map<String, Object> arguments = new HashMap<>();
		arguments.put("x-queue-type", "classic");
		declareBound(channel, workersQueue(), arguments);
	}

	/** Every delay queue of {@code queue}, smallest level first. */
	public List<String> delayQueues(String queue) {
		List<String> names = new ArrayList<>(DELAY_LEVELS_MS.length);
		for (long level : DELAY_LEVELS_MS) {
			names.add(delayQueue(queue, level));
		}
		return names;
	}

	/** Every broker queue of {@code queue}: work, dead-letter, due and delay queues. */
	public List<String> allQueues(String queue) {
		List<String> names = new ArrayList<>();
		names.add(workQueue(queue));
		names.add(deadLetterQueue(queue));
		names.add(dueQueue(queue));
		names.addAll(delayQueues(queue));
		return names;
	}

	/**
	 * Where a message due at {@code dueMs} goes at {@code nowMs}: the work queue when due,
	 * else the largest delay level not longer than what remains (the smallest level when less remains).
	 */
	String routeFor(String queue, long dueMs, long nowMs) {
		// compared before subtracting, so no due time overflows into the future
		if (dueMs <= nowMs || dueMs - nowMs < DUE_THRESHOLD_MS) {
			return workQueue(queue);
		}
		long remaining = dueMs - nowMs;
		long chosen = DELAY_LEVELS_MS[0];
		for (long level : DELAY_LEVELS_MS) {
			if (level <= remaining) {
				chosen = level;
			}
		}
		return delayQueue(queue, chosen);
	}

	/** Declares the exchange and every queue of {@code queue} with its binding; idempotent. */
	void declare(Channel channel, String queue) throws IOException {
		channel.exchangeDeclare(exchange(), BuiltinExchangeType.DIRECT, true);
		declareBound(channel, workQueue(queue), baseArguments());
		declareBound(channel, deadLetterQueue(queue), baseArguments());
		declareBound(channel, dueQueue(queue), baseArguments());
		for (long level : DELAY_LEVELS_MS) {
			Map<String, Object> arguments = baseArguments();
			arguments.put("x-message-ttl", level);
			arguments.put("x-dead-letter-exchange", exchange());
			arguments.put("x-dead-letter-routing-key", dueQueue(queue));
			if (this.queueType == RabbitQueueType.QUORUM) {
				// expired messages move to the due queue at least once instead of at most once
				arguments.put("x-dead-letter-strategy", "at-least-once");
				arguments.put("x-overflow", "reject-publish");
			}
			declareBound(channel, delayQueue(queue, level), arguments);
		}
	}

	private void declareBound(Channel channel, String name, Map<String, Object> arguments) throws IOException {
		channel.queueDeclare(name, true, false, false, arguments);
		channel.queueBind(name, exchange(), name);
	}

	private Map<String, Object> baseArguments() {
		Map<String, Object> arguments = new HashMap<>();
		arguments.put("x-queue-type", this.queueType == RabbitQueueType.QUORUM ? "quorum" : "classic");
		return arguments;
	}

}
