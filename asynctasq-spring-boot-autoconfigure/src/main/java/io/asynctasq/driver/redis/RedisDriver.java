package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.asynctasq.driver.Causes;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.HeartbeatJson;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.StoredTask;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.TaskResultJson;
import io.asynctasq.driver.WorkerHeartbeat;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.types.Expiration;
import org.springframework.util.ClassUtils;

/**
 * The Redis driver, on the application's Spring Data Redis {@link RedisConnectionFactory}, which it never
 * closes: every state change is one Lua script ({@code io/asynctasq/driver/redis/*.lua}) on the server's
 * clock, and an idle reserve blocks on the server. On a Redis Cluster every script touches the keys of
 * one queue, which share one slot ({@link RedisKeys}), so it runs on the node owning that slot; an
 * operation on several queues sends one script per queue. Redis failures surface as
 * {@link DriverException}s naming the server. Design notes: {@code docs/redis.md}.
 */
public class RedisDriver implements QueueDriver {

	private static final Logger logger = LoggerFactory.getLogger(RedisDriver.class);

	/** Accepted key prefixes: no spaces, braces or colons at the ends. */
	public static final Pattern VALID_KEY_PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");

	/** Dead letters per purge script call, so that no call blocks Redis for long. */
	private static final int PURGE_CHUNK = 500;

	/** Dead letters per listing script call (each may hold a large body), so that no reply is huge. */
	private static final int LIST_CHUNK = 100;

	/** Tasks per enqueue script call. */
	private static final int ENQUEUE_CHUNK = 500;

	/** Tasks per acknowledge script call. */
	private static final int ACKNOWLEDGE_CHUNK = 500;

	private static final LuaScript ENQUEUE = LuaScript.load("enqueue", 5);

	private static final LuaScript RESERVE = LuaScript.load("reserve", 7);

	private static final LuaScript PEEK = LuaScript.load("peek", 3);

	private static final LuaScript ACKNOWLEDGE = LuaScript.load("acknowledge", 3);

	private static final LuaScript REQUEUE = LuaScript.load("requeue", 6);

	private static final LuaScript DEAD_LETTER = LuaScript.load("deadLetter", 4);

	private static final LuaScript EXTEND_LEASE = LuaScript.load("extendLease", 2);

	private static final LuaScript RETRY_DEAD_LETTER = LuaScript.load("retryDeadLetter", 4);

	private static final LuaScript DELETE_DEAD_LETTER = LuaScript.load("deleteDeadLetter", 2);

	private static final LuaScript PURGE_DEAD_LETTERS = LuaScript.load("purgeDeadLetters", 2);

	private static final LuaScript EXPIRE_DEAD_LETTERS = LuaScript.load("expireDeadLetters", 2);

	private static final LuaScript DEAD_LETTERS = LuaScript.load("deadLetters", 2);

	private static final LuaScript COUNTS = LuaScript.load("counts", 5);

	private static final LuaScript FIND = LuaScript.load("find", 4);

	private static final LuaScript BEAT = LuaScript.load("beat", 2);

	private static final LuaScript REMOVE_WORKER = LuaScript.load("removeWorker", 2);

	private static final LuaScript WORKERS = LuaScript.load("workers", 2);

	/** {@link Reservation#MAX_ATTEMPT}, the bound of the attempt counters the scripts change. */
	private static final byte[] MAX_ATTEMPT = number(Reservation.MAX_ATTEMPT);

	private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent("io.lettuce.core.RedisClient",
			RedisDriver.class.getClassLoader());

	private final RedisConnectionFactory connectionFactory;

	private final String keyPrefix;

	private final String server;

	private final MarkerWaiter waiter;

	/** Reply timeout of pipelined script calls; 0 when the factory is not Lettuce's (no pipelining). */
	private final long lettuceTimeoutMillis;

	private final ConcurrentMap<String, RedisKeys> keys = new ConcurrentHashMap<>();

	/** The heartbeats hash and their expiry set: {@code <prefix>:{:workers}:beats} and {@code ...:expiry}. */
	private final List<byte[]> workerKeys;

	private volatile boolean closed;

	/** A driver with the default client name {@code asynctasq} on its blocking connections. */
	public RedisDriver(RedisConnectionFactory connectionFactory, String keyPrefix) {
		this(connectionFactory, keyPrefix, "asynctasq");
	}

	/**
	 * @param connectionFactory the application's factory; the driver never closes it
	 * @param keyPrefix first part of every key, per {@link #VALID_KEY_PREFIX}
	 * @param clientName {@code CLIENT SETNAME} of the connections the driver opens for blocking waits
	 */
	public RedisDriver(RedisConnectionFactory connectionFactory, String keyPrefix, String clientName) {
		this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
		this.keyPrefix = validateKeyPrefix(keyPrefix);
		this.workerKeys = RedisKeys.workers(this.keyPrefix);
		String name = (clientName == null || clientName.isBlank()) ? "asynctasq" : clientName.replace(' ', '-');
		MarkerWaiter lettuce = LETTUCE_PRESENT ? LettuceMarkerWaiter.forFactory(connectionFactory, name) : null;
		this.waiter = (lettuce != null) ? lettuce : new SpringMarkerWaiter(connectionFactory);
		String described = LETTUCE_PRESENT ? LettuceMarkerWaiter.describe(connectionFactory) : null;
		this.server = (described != null) ? described : "Redis";
		this.lettuceTimeoutMillis = LETTUCE_PRESENT ? LettuceScriptPipeline.timeoutMillis(connectionFactory) : 0;
	}

	/**
	 * Returns {@code keyPrefix} when valid.
	 * @throws IllegalArgumentException naming the prefix and the accepted form
	 */
	public static String validateKeyPrefix(String keyPrefix) {
		if (keyPrefix == null || !VALID_KEY_PREFIX.matcher(keyPrefix).matches() || keyPrefix.endsWith(":")) {
			throw new IllegalArgumentException("Invalid Redis key prefix '" + keyPrefix + "': use 1 to 100 letters, "
					+ "digits, '.', '_', '-' or ':', starting with a letter or digit and not ending with ':'");
		}
		return keyPrefix;
	}

	@Override
	public String name() {
		return "redis";
	}

	/** The prefix of every key this driver uses. */
	public String keyPrefix() {
		return this.keyPrefix;
	}

	/**
	 * Stores the tasks with one script call per queue and chunk of {@value #ENQUEUE_CHUNK} tasks, each
	 * atomic, pipelined with Lettuce; when it fails, a whole number of those calls may be stored.
	 */
	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		List<LuaScript.Call> calls = enqueueCalls(messages, delay);
		execute("enqueue", (connection) -> {
			if (calls.size() > 1 && canPipeline(connection)) {
				LettuceScriptPipeline.runAll(connection, calls, this.lettuceTimeoutMillis);
				return null;
			}
			for (LuaScript.Call call : calls) {
				run(connection, call, ReturnType.INTEGER);
			}
			return null;
		});
	}

	/**
	 * On Lettuce's shared connection (Spring Data's default), the same script calls are written to it and the
	 * future completes with their replies, within the factory's command timeout; no thread waits for them.
	 * Otherwise (a Jedis factory, a connection per caller) as {@link #enqueueAll}, on the calling thread.
	 */
	@Override
	public CompletableFuture<Void> enqueueAllAsync(List<TaskMessage> messages, Duration delay) {
		if (!LettuceScriptPipeline.sharesConnection(this.connectionFactory)) {
			return QueueDriver.super.enqueueAllAsync(messages, delay);
		}
		List<LuaScript.Call> calls = enqueueCalls(messages, delay);
		CompletableFuture<Void> sent = execute("enqueue", (connection) -> LettuceScriptPipeline.sendAll(connection, calls));
		return sent.orTimeout(this.lettuceTimeoutMillis, TimeUnit.MILLISECONDS).exceptionallyCompose((failure) -> {
			Throwable cause = Causes.unwrapCompletion(failure);
			return CompletableFuture.failedFuture((cause instanceof RuntimeException runtime
					&& !(cause instanceof DriverException)) ? translate("enqueue", runtime) : cause);
		});
	}

	/** One script call per queue and chunk of {@value #ENQUEUE_CHUNK} tasks. */
	private List<LuaScript.Call> enqueueCalls(List<TaskMessage> messages, Duration delay) {
		byte[] delayMillis = number(delay.toMillis());
		Map<String, List<TaskMessage>> byQueue = new LinkedHashMap<>();
		for (TaskMessage message : messages) {
			byQueue.computeIfAbsent(message.queue(), (queue) -> new ArrayList<>()).add(message);
		}
		List<LuaScript.Call> calls = new ArrayList<>();
		for (Map.Entry<String, List<TaskMessage>> entry : byQueue.entrySet()) {
			RedisKeys queue = keys(entry.getKey());
			byte[][] scriptKeys = { queue.ready, queue.delayed, queue.marker, queue.taskPrefix, queue.dead };
			List<TaskMessage> all = entry.getValue();
			for (int from = 0; from < all.size(); from += ENQUEUE_CHUNK) {
				List<TaskMessage> chunk = all.subList(from, Math.min(all.size(), from + ENQUEUE_CHUNK));
				byte[][] args = new byte[1 + chunk.size() * 3][];
				args[0] = delayMillis;
				int i = 1;
				for (TaskMessage message : chunk) {
					args[i++] = text(message.id());
					args[i++] = message.body();
					args[i++] = number(message.enqueuedAt().toEpochMilli());
				}
				calls.add(ENQUEUE.call(scriptKeys, args));
			}
		}
		return calls;
	}

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		List<RedisKeys> queueKeys = queues.stream().map(this::keys).toList();
		List<byte[]> markers = queueKeys.stream().map((queue) -> queue.marker).toList();
		long leaseMillis = Math.max(1, lease.toMillis());
		long deadline = System.nanoTime() + wait.toNanos();
		while (true) {
			Batch batch;
			try {
				batch = reserveOnce(queueKeys, max, leaseMillis);
			}
			catch (DriverException ex) {
				if (Thread.interrupted() || causedByInterrupt(ex)) {
					InterruptedException interrupted = new InterruptedException("interrupted while reserving");
					interrupted.initCause(ex);
					throw interrupted;
				}
				throw ex;
			}
			long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
			if (!batch.reserved.isEmpty() || remainingMillis <= 0) {
				return batch.reserved;
			}
			long block = remainingMillis;
			if (batch.nextDueInMillis >= 0) {
				block = Math.min(block, Math.max(1, batch.nextDueInMillis));
			}
			boolean woken;
			try {
				woken = this.waiter.await(markers, block);
			}
			catch (RuntimeException ex) {
				ensureOpenAfterWait();
				if (Thread.interrupted() || causedByInterrupt(ex)) {
					InterruptedException interrupted = new InterruptedException("interrupted while waiting for tasks");
					interrupted.initCause(ex);
					throw interrupted;
				}
				throw translate("reserve (waiting)", ex);
			}
			ensureOpenAfterWait();
			if (Thread.interrupted()) {
				throw new InterruptedException("interrupted while waiting for tasks");
			}
			if (!woken && block == remainingMillis && this.waiter.watchesEveryMarker()) {
				// the whole wait passed with no marker set and nothing due in it: no task became ready, so
				// an idle worker pays one reserve pass and one wait per poll, not two passes
				return List.of();
			}
		}
	}

	/**
	 * One reserve pass over {@code queues} in priority order. Serving several queues on Lettuce, one
	 * pipelined peek per queue first finds those with a task now, so an idle or lightly used worker of
	 * 50 queues pays one round trip for the peeks and one per queue reserved from, not 50.
	 */
	private Batch reserveOnce(List<RedisKeys> queues, int max, long leaseMillis) {
		return execute("reserve", (connection) -> {
			List<RedisKeys> candidates = queues;
			long nextDueIn = -1;
			if (queues.size() > 1 && canPipeline(connection)) {
				List<LuaScript.Call> peeks = new ArrayList<>(queues.size());
				for (RedisKeys queue : queues) {
					peeks.add(PEEK.call(new byte[][] { queue.ready, queue.delayed, queue.inFlight }, new byte[0][]));
				}
				List<Long> answers = LettuceScriptPipeline.runAll(connection, peeks, this.lettuceTimeoutMillis);
				candidates = new ArrayList<>();
				for (int i = 0; i < answers.size(); i++) {
					long answer = answers.get(i);
					if (answer == -2) {
						candidates.add(queues.get(i));
					}
					else if (answer >= 0) {
						nextDueIn = (nextDueIn < 0) ? answer : Math.min(nextDueIn, answer);
					}
				}
			}
			List<Reservation> reserved = new ArrayList<>(Math.min(max, 64));
			for (RedisKeys queue : candidates) {
				if (reserved.size() >= max) {
					break;
				}
				nextDueIn = reserveFrom(connection, queue, max - reserved.size(), leaseMillis, reserved, nextDueIn);
			}
			return new Batch(reserved, nextDueIn);
		});
	}

	/**
	 * Reserves up to {@code max} tasks of one queue into {@code reserved}; answers {@code nextDueIn}
	 * lowered to the wait the script reported when it reserved nothing.
	 */
	private long reserveFrom(RedisConnection connection, RedisKeys queue, int max, long leaseMillis,
			List<Reservation> reserved, long nextDueIn) {
		String tokenBase = UUID.randomUUID().toString();
		List<Object> result = run(connection, RESERVE, ReturnType.MULTI,
				List.of(queue.ready, queue.delayed, queue.inFlight, queue.marker, queue.taskPrefix, queue.dead,
						queue.stats),
				List.of(number(max), number(leaseMillis), text(tokenBase), MAX_ATTEMPT));
		long now = asLong(result.get(0));
		long nextDue = asLong(result.get(1));
		Instant leaseDeadline = Instant.ofEpochMilli(asLong(result.get(2)));
		if (nextDue >= 0) {
			long dueIn = Math.max(0, nextDue - now);
			nextDueIn = (nextDueIn < 0) ? dueIn : Math.min(nextDueIn, dueIn);
		}
		int end = 4 + 6 * (int) asLong(result.get(3));
		for (int i = 4; i < end; i += 6) {
			Reservation reservation = reservation(connection, queue, result.subList(i, i + 6), leaseDeadline);
			if (reservation != null) {
				reserved.add(reservation);
			}
		}
		for (int i = end; i + 1 < result.size(); i += 2) {
			logger.warn("Task {} of queue '{}' was malformed in Redis and is {}", asText(result.get(i)), queue.queue,
					asText(result.get(i + 1)));
		}
		return nextDueIn;
	}

	/**
	 * The reservation of one task record as the reserve script read it (id, token, fields present, body,
	 * enqueued-at, attempts made): a missing or unreadable field makes it corrupt, so the worker dead-letters
	 * it unrun. A record whose id is not UTF-8 cannot be addressed by a reservation: it is dead-lettered here
	 * and {@code null} returned.
	 */
	private Reservation reservation(RedisConnection connection, RedisKeys queue, List<Object> fields,
			Instant leaseDeadline) {
		byte[] rawId = asBytes(fields.get(0));
		String id = asText(rawId);
		String token = asText(fields.get(1));
		long present = asLong(fields.get(2));
		String enqueuedAt = asText(fields.get(4));
		String attempts = asText(fields.get(5));
		Long enqueuedMillis = parseLong(enqueuedAt);
		Long attemptsMade = parseLong(attempts);
		String defect = null;
		if ((present & 1) == 0) {
			defect = "corrupt task record: no body";
		}
		else if (enqueuedMillis == null) {
			defect = ((present & 2) == 0) ? "corrupt task record: no enqueue time"
					: "corrupt task record: enqueue time " + quoted(enqueuedAt) + " is not a number";
		}
		else if (attemptsMade == null) {
			defect = ((present & 4) == 0) ? "corrupt task record: no attempt counter"
					: "corrupt attempt counter: " + quoted(attempts) + " is not a whole number";
		}
		if (!Arrays.equals(text(id), rawId)) {
			String reason = "corrupt task record: its id is not UTF-8";
			run(connection, DEAD_LETTER, ReturnType.INTEGER,
					List.of(queue.inFlight, queue.dead, queue.stats, queue.taskPrefix),
					List.of(rawId, text(token), text(reason)));
			logger.warn("Task {} of queue '{}' was malformed in Redis and is dead-lettered: {}", id, queue.queue,
					reason);
			return null;
		}
		TaskMessage message = new TaskMessage(id, queue.queue, asBytes(fields.get(3)),
				(enqueuedMillis != null) ? Instant.ofEpochMilli(enqueuedMillis) : Instant.EPOCH);
		Reservation reservation = Reservation.afterAttempts(message, (attemptsMade != null) ? attemptsMade : 0, token,
				leaseDeadline);
		return (defect == null) ? reservation
				: new Reservation(message, reservation.attempt(), token, leaseDeadline, defect);
	}

	/** A stored field for a defect text: quoted and cut to 40 characters. */
	private static String quoted(String value) {
		return "'" + ((value.length() > 40) ? value.substring(0, 40) + "..." : value) + "'";
	}

	@Override
	public boolean acknowledge(Reservation reservation) {
		return acknowledgeAll(List.of(reservation))[0];
	}

	/** One script call per queue and chunk of {@value #ACKNOWLEDGE_CHUNK} tasks; each call is atomic. */
	@Override
	public boolean[] acknowledgeAll(List<Reservation> reservations) {
		boolean[] acknowledged = new boolean[reservations.size()];
		Map<String, List<Integer>> byQueue = new LinkedHashMap<>();
		for (int i = 0; i < reservations.size(); i++) {
			byQueue.computeIfAbsent(reservations.get(i).queue(), (queue) -> new ArrayList<>()).add(i);
		}
		for (Map.Entry<String, List<Integer>> entry : byQueue.entrySet()) {
			RedisKeys queue = keys(entry.getKey());
			byte[][] scriptKeys = { queue.inFlight, queue.stats, queue.taskPrefix };
			List<Integer> all = entry.getValue();
			for (int from = 0; from < all.size(); from += ACKNOWLEDGE_CHUNK) {
				List<Integer> chunk = all.subList(from, Math.min(all.size(), from + ACKNOWLEDGE_CHUNK));
				byte[][] args = new byte[chunk.size() * 2][];
				for (int i = 0; i < chunk.size(); i++) {
					Reservation reservation = reservations.get(chunk.get(i));
					args[2 * i] = text(reservation.id());
					args[2 * i + 1] = text(reservation.leaseToken());
				}
				List<Object> replies = execute("acknowledge",
						(connection) -> run(connection, ACKNOWLEDGE.call(scriptKeys, args), ReturnType.MULTI));
				for (int i = 0; i < chunk.size(); i++) {
					Reservation reservation = reservations.get(chunk.get(i));
					acknowledged[chunk.get(i)] = settled(reservation, "acknowledge",
							LeaseReply.of(asLong(replies.get(i))));
				}
			}
		}
		return acknowledged;
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		return requeue("retry", reservation, delay);
	}

	@Override
	public boolean release(Reservation reservation) {
		return requeue("release", reservation, Duration.ZERO);
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		return requeue("postpone", reservation, delay);
	}

	/** Retry, release or postpone: one script, {@code mode} says which (see {@code requeue-6.lua}). */
	private boolean requeue(String mode, Reservation reservation, Duration delay) {
		RedisKeys queue = keys(reservation.queue());
		return onLease(mode, REQUEUE,
				List.of(queue.inFlight, queue.ready, queue.delayed, queue.marker, queue.stats, queue.taskPrefix),
				reservation, List.of(number(delay.toMillis()), text(mode), MAX_ATTEMPT));
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		RedisKeys queue = keys(reservation.queue());
		List<byte[]> args = new ArrayList<>();
		args.add(text(failure.reason()));
		addField(args, "ecl", failure.errorClass());
		addField(args, "emsg", failure.errorMessage());
		addField(args, "stack", failure.stackTrace());
		return onLease("deadLetter", DEAD_LETTER, List.of(queue.inFlight, queue.dead, queue.stats, queue.taskPrefix),
				reservation, args);
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		RedisKeys queue = keys(reservation.queue());
		return onLease("extendLease", EXTEND_LEASE, List.of(queue.inFlight, queue.taskPrefix), reservation,
				List.of(number(Math.max(1, lease.toMillis()))));
	}

	/** One atomic script call per lease, pipelined on Lettuce: one round trip for all. */
	@Override
	public boolean[] extendLeases(List<Reservation> reservations, Duration lease) {
		byte[] millis = number(Math.max(1, lease.toMillis()));
		List<LuaScript.Call> calls = new ArrayList<>(reservations.size());
		for (Reservation reservation : reservations) {
			RedisKeys queue = keys(reservation.queue());
			calls.add(EXTEND_LEASE.call(new byte[][] { queue.inFlight, queue.taskPrefix },
					new byte[][] { text(reservation.id()), text(reservation.leaseToken()), millis }));
		}
		List<Long> replies = execute("extendLease", (connection) -> {
			if (calls.size() > 1 && canPipeline(connection)) {
				return LettuceScriptPipeline.runAll(connection, calls, this.lettuceTimeoutMillis);
			}
			List<Long> one = new ArrayList<>(calls.size());
			for (LuaScript.Call call : calls) {
				one.add(run(connection, call, ReturnType.INTEGER));
			}
			return one;
		});
		boolean[] extended = new boolean[reservations.size()];
		for (int i = 0; i < extended.length; i++) {
			extended[i] = settled(reservations.get(i), "extendLease", LeaseReply.of(replies.get(i)));
		}
		return extended;
	}

	/**
	 * Runs a transition on a reserved task; {@code false}, logged at DEBUG with why, when the reservation no
	 * longer holds it (see {@link LeaseReply}).
	 */
	private boolean onLease(String operation, LuaScript script, List<byte[]> scriptKeys, Reservation reservation,
			List<byte[]> extraArgs) {
		List<byte[]> args = new ArrayList<>(2 + extraArgs.size());
		args.add(text(reservation.id()));
		args.add(text(reservation.leaseToken()));
		args.addAll(extraArgs);
		Long reply = execute(operation, (connection) -> run(connection, script, ReturnType.INTEGER, scriptKeys, args));
		return settled(reservation, operation, LeaseReply.of(reply));
	}

	/** Whether a transition on a reserved task happened; why not is logged at DEBUG. */
	private static boolean settled(Reservation reservation, String operation, LeaseReply outcome) {
		if (outcome != LeaseReply.DONE) {
			logger.debug("Task {} of queue '{}': {} refused, {}", reservation.id(), reservation.queue(), operation,
					outcome.description);
		}
		return outcome == LeaseReply.DONE;
	}

	@Override
	public QueueCounts counts(String queueName) {
		long[] all = countsAndTotals(queueName);
		return new QueueCounts(all[0], all[1], all[2], all[3]);
	}

	/**
	 * Totals of one queue since its keys were created: completed (acknowledged) tasks, tasks that
	 * failed permanently (dead-lettered), and retries scheduled. O(1).
	 */
	public Totals totals(String queueName) {
		long[] all = countsAndTotals(queueName);
		return new Totals(all[4], all[5], all[6]);
	}

	private long[] countsAndTotals(String queueName) {
		RedisKeys queue = keys(queueName);
		List<Object> result = execute("counts", (connection) -> run(connection, COUNTS, ReturnType.MULTI,
				List.of(queue.ready, queue.delayed, queue.inFlight, queue.dead, queue.stats), List.of()));
		long[] values = new long[7];
		for (int i = 0; i < values.length; i++) {
			values[i] = asLong(result.get(i));
		}
		return values;
	}

	@Override
	public List<DeadLetter> deadLetters(String queueName, int offset, int limit) {
		RedisKeys queue = keys(queueName);
		List<DeadLetter> deadLetters = new ArrayList<>(Math.min(limit, LIST_CHUNK));
		long from = offset;
		while (deadLetters.size() < limit) {
			int chunk = Math.min(LIST_CHUNK, limit - deadLetters.size());
			byte[] start = number(from);
			List<Object> result = execute("deadLetters", (connection) -> run(connection, DEAD_LETTERS,
					ReturnType.MULTI, List.of(queue.dead, queue.taskPrefix), List.of(start, number(chunk))));
			for (int i = 0; i + 9 < result.size(); i += 10) {
				deadLetters.add(deadLetter(queue, result.subList(i, i + 10)));
			}
			if (result.size() / 10 < chunk) {
				break;
			}
			from += chunk;
		}
		return deadLetters;
	}

	/** One dead letter as the listing script read it; fields that are not what the driver writes are tolerated. */
	private static DeadLetter deadLetter(RedisKeys queue, List<Object> fields) {
		long present = asLong(fields.get(9));
		Long enqueuedAt = parseLong(asText(fields.get(2)));
		Long attempts = parseLong(asText(fields.get(3)));
		Long deadLetteredAt = parseLong(asText(fields.get(8)));
		TaskMessage message = new TaskMessage(asText(fields.get(0)), queue.queue, asBytes(fields.get(1)),
				Instant.ofEpochMilli((enqueuedAt != null) ? enqueuedAt : 0));
		DeadLetter.Failure failure = new DeadLetter.Failure(asText(fields.get(4)),
				((present & 1) != 0) ? asText(fields.get(5)) : null, ((present & 2) != 0) ? asText(fields.get(6)) : null,
				((present & 4) != 0) ? asText(fields.get(7)) : null);
		int attemptsMade = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (attempts != null) ? attempts : 0));
		return new DeadLetter(message, attemptsMade, failure,
				Instant.ofEpochMilli((deadLetteredAt != null) ? deadLetteredAt : 0));
	}

	@Override
	public boolean retryDeadLetter(String queueName, String taskId) {
		RedisKeys queue = keys(queueName);
		Long moved = execute("retryDeadLetter", (connection) -> run(connection, RETRY_DEAD_LETTER,
				ReturnType.INTEGER, List.of(queue.dead, queue.ready, queue.marker, queue.taskPrefix),
				List.of(text(taskId))));
		return moved != null && moved > 0;
	}

	@Override
	public boolean deleteDeadLetter(String queueName, String taskId) {
		RedisKeys queue = keys(queueName);
		Long deleted = execute("deleteDeadLetter", (connection) -> run(connection, DELETE_DEAD_LETTER,
				ReturnType.INTEGER, List.of(queue.dead, queue.taskPrefix), List.of(text(taskId))));
		return deleted != null && deleted > 0;
	}

	/**
	 * Deletes the queue's dead letters a chunk of {@value #PURGE_CHUNK} per script call (each atomic),
	 * up to the newest one when the purge started, so Redis is never blocked for long.
	 */
	@Override
	public long purgeDeadLetters(String queueName) {
		RedisKeys queue = keys(queueName);
		byte[] bound = new byte[0];
		long purged = 0;
		while (true) {
			byte[] upTo = bound;
			List<Object> result = execute("purgeDeadLetters", (connection) -> run(connection, PURGE_DEAD_LETTERS,
					ReturnType.MULTI, List.of(queue.dead, queue.taskPrefix), List.of(upTo, number(PURGE_CHUNK))));
			long deleted = asLong(result.get(0));
			purged += deleted;
			if (deleted < PURGE_CHUNK) {
				return purged;
			}
			bound = asBytes(result.get(1));
		}
	}

	/**
	 * Deletes the queue's oldest dead letters past the retention on the server's clock, a chunk of up to
	 * {@value #PURGE_CHUNK} per script call (each atomic, reading only the head of the dead-letter set), until a
	 * chunk comes back short or {@code max} are deleted.
	 */
	@Override
	public long expireDeadLetters(String queueName, Duration retention, int max) {
		RedisKeys queue = keys(queueName);
		byte[] retentionMs = number(Math.max(1, retention.toMillis()));
		long expired = 0;
		while (expired < max) {
			int chunk = (int) Math.min(PURGE_CHUNK, max - expired);
			Long deleted = execute("expireDeadLetters", (connection) -> run(connection, EXPIRE_DEAD_LETTERS,
					ReturnType.INTEGER, List.of(queue.dead, queue.taskPrefix), List.of(retentionMs, number(chunk))));
			long count = (deleted != null) ? deleted : 0;
			expired += count;
			if (count < chunk) {
				break;
			}
		}
		return expired;
	}

	/** One read-only script on the queue's keys (one slot): the task's hash, then the set that holds it. */
	@Override
	public Optional<StoredTask> find(String queueName, String taskId) {
		RedisKeys queue = keys(queueName);
		List<Object> result = execute("find", (connection) -> run(connection, FIND, ReturnType.MULTI,
				List.of(queue.delayed, queue.inFlight, queue.dead, queue.taskPrefix), List.of(text(taskId))));
		if (result == null || result.size() < 11) {
			return Optional.empty();
		}
		String state = asText(result.get(0));
		Long due = parseLong(asText(result.get(1)));
		Instant availableAt = (due != null) ? Instant.ofEpochMilli(due) : null;
		if (state.equals("dead")) {
			List<Object> fields = new ArrayList<>(10);
			fields.add(text(taskId));
			fields.addAll(result.subList(2, 11));
			DeadLetter deadLetter = deadLetter(queue, fields);
			return Optional.of(new StoredTask(deadLetter.message(), StoredTask.State.DEAD_LETTERED,
					deadLetter.attempts(), null, deadLetter));
		}
		Long enqueuedAt = parseLong(asText(result.get(3)));
		Long attempts = parseLong(asText(result.get(4)));
		TaskMessage message = new TaskMessage(taskId, queueName, asBytes(result.get(2)),
				Instant.ofEpochMilli((enqueuedAt != null) ? enqueuedAt : 0));
		int attemptsMade = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (attempts != null) ? attempts : 0));
		StoredTask.State where = switch (state) {
			case "inflight" -> StoredTask.State.IN_FLIGHT;
			case "delayed" -> StoredTask.State.DELAYED;
			default -> StoredTask.State.READY;
		};
		return Optional.of(new StoredTask(message, where, attemptsMade,
				(where == StoredTask.State.READY) ? null : availableAt, null));
	}

	@Override
	public boolean canFind() {
		return true;
	}

	/**
	 * One string key per task, {@code <prefix>:result:<task id>}, holding {@link TaskResultJson}, set with a
	 * {@code PX} of the ttl: Redis forgets it on its own.
	 */
	@Override
	public void recordResult(TaskResult result, Duration ttl) {
		byte[] key = resultKey(result.taskId());
		byte[] value = text(TaskResultJson.write(result));
		execute("recordResult", (connection) -> connection.stringCommands().set(key, value,
				Expiration.milliseconds(Math.max(1, ttl.toMillis())), SetOption.upsert()));
	}

	@Override
	public Optional<TaskResult> result(String taskId) {
		byte[] stored = execute("result", (connection) -> connection.stringCommands().get(resultKey(taskId)));
		if (stored == null) {
			return Optional.empty();
		}
		try {
			return Optional.of(TaskResultJson.read(asText(stored)));
		}
		catch (IllegalArgumentException ex) {
			throw new DriverException(this.server + ": the result of task " + taskId + " is unreadable: "
					+ ex.getMessage(), ex);
		}
	}

	@Override
	public boolean storesResults() {
		return true;
	}

	private byte[] resultKey(String taskId) {
		return text(this.keyPrefix + ":result:" + taskId);
	}

	/** One script: the heartbeat and its expiry on the server's clock (see {@code beat-2.lua}). */
	@Override
	public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		List<byte[]> args = List.of(text(heartbeat.workerId()), text(HeartbeatJson.toJson(heartbeat)),
				number(Math.max(1, ttl.toMillis())));
		execute("beat", (connection) -> run(connection, BEAT, ReturnType.INTEGER, this.workerKeys, args));
	}

	@Override
	public void removeWorker(String workerId) {
		execute("removeWorker", (connection) -> run(connection, REMOVE_WORKER, ReturnType.INTEGER, this.workerKeys,
				List.of(text(workerId))));
	}

	/** Prunes the expired heartbeats and reads the others in one script; an unreadable one is skipped. */
	@Override
	public List<WorkerHeartbeat> workers() {
		List<Object> result = execute("workers",
				(connection) -> run(connection, WORKERS, ReturnType.MULTI, this.workerKeys, List.of()));
		List<WorkerHeartbeat> workers = new ArrayList<>(result.size() / 2);
		for (int i = 0; i + 1 < result.size(); i += 2) {
			Object json = result.get(i + 1);
			if (json != null) {
				HeartbeatJson.read(asText(json), "of worker " + asText(result.get(i)) + " in Redis")
					.ifPresent(workers::add);
			}
		}
		workers.sort(Comparator.comparing(WorkerHeartbeat::workerId));
		return workers;
	}

	@Override
	public void ping() {
		execute("ping", RedisConnection::ping);
	}

	/** Closes the connections this driver opened for blocking waits; the connection factory stays open. */
	@Override
	public void close() {
		this.closed = true;
		this.waiter.close();
	}

	private RedisKeys keys(String queue) {
		RedisKeys existing = this.keys.get(queue);
		if (existing != null) {
			return existing;
		}
		RedisKeys created = new RedisKeys(this.keyPrefix, queue);
		if (this.keys.size() < 10_000) {
			this.keys.putIfAbsent(queue, created);
		}
		return created;
	}

	private <T> T execute(String operation, Function<RedisConnection, T> action) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return action.apply(connection);
		}
		catch (RuntimeException ex) {
			if (ex instanceof DriverException) {
				throw ex;
			}
			throw translate(operation, ex);
		}
	}

	private static <T> T run(RedisConnection connection, LuaScript script, ReturnType returnType, List<byte[]> scriptKeys,
			List<byte[]> args) {
		return run(connection, script.call(scriptKeys.toArray(new byte[0][]), args.toArray(new byte[0][])), returnType);
	}

	@SuppressWarnings("unchecked")
	private static <T> T run(RedisConnection connection, LuaScript.Call call, ReturnType returnType) {
		LuaScript script = call.script();
		byte[][] keysAndArgs = new byte[call.keys().length + call.args().length][];
		System.arraycopy(call.keys(), 0, keysAndArgs, 0, call.keys().length);
		System.arraycopy(call.args(), 0, keysAndArgs, call.keys().length, call.args().length);
		try {
			return (T) connection.scriptingCommands().evalSha(script.sha, returnType, script.keyCount, keysAndArgs);
		}
		catch (RuntimeException ex) {
			if (!isNoScript(ex)) {
				throw ex;
			}
			// first run on this server (or after SCRIPT FLUSH / a restart): EVAL also caches it
			return (T) connection.scriptingCommands().eval(script.source, returnType, script.keyCount, keysAndArgs);
		}
	}

	/** Whether several script calls can be pipelined on Lettuce's native connection. */
	private boolean canPipeline(RedisConnection connection) {
		return this.lettuceTimeoutMillis > 0 && LettuceScriptPipeline.supports(connection);
	}

	private static boolean causedByInterrupt(Throwable ex) {
		return Causes.anyMatch(ex, (cause) -> cause instanceof InterruptedException
				|| cause.getClass().getName().equals("io.lettuce.core.RedisCommandInterruptedException"));
	}

	private static boolean isNoScript(Throwable ex) {
		return Causes.anyMatch(ex, (cause) -> cause.getMessage() != null && cause.getMessage().contains("NOSCRIPT"));
	}

	private DriverException translate(String operation, RuntimeException ex) {
		String detail = rootMessage(ex);
		if (isConnectionFailure(ex)) {
			return new DriverException(this.server + " unreachable: " + detail + " (" + operation + ")", ex);
		}
		return new DriverException(this.server + ": " + operation + " failed: " + detail, ex);
	}

	private static boolean isConnectionFailure(Throwable ex) {
		return Causes.anyMatch(ex, (cause) -> cause instanceof RedisConnectionFailureException
				|| cause instanceof java.io.IOException
				|| cause.getClass().getName().equals("io.lettuce.core.RedisConnectionException")
				|| cause.getClass().getName().equals("io.lettuce.core.RedisCommandTimeoutException")
				|| (cause.getMessage() != null && cause.getMessage().contains("Connection closed")));
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = Causes.root(ex);
		String message = (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
		return (root == ex) ? message : message + " [" + ex.getClass().getSimpleName() + "]";
	}

	/** A reserve that was waiting when the driver closed (its blocking connection closed under it) ends here. */
	private void ensureOpenAfterWait() {
		if (this.closed) {
			throw new IllegalStateException("The Redis driver is closed");
		}
	}

	private static void addField(List<byte[]> args, String field, String value) {
		if (value != null) {
			args.add(text(field));
			args.add(text(value));
		}
	}

	private static byte[] text(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] number(long value) {
		return text(Long.toString(value));
	}

	private static long asLong(Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		if (value instanceof byte[] bytes) {
			return Long.parseLong(new String(bytes, StandardCharsets.UTF_8));
		}
		if (value instanceof String string) {
			return Long.parseLong(string);
		}
		throw new IllegalStateException("Unexpected reply from Redis: " + value);
	}

	/** A stored whole number, or {@code null} when the text is not one (stored values are never trusted). */
	private static @Nullable Long parseLong(String text) {
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static String asText(Object value) {
		if (value instanceof byte[] bytes) {
			return new String(bytes, StandardCharsets.UTF_8);
		}
		return String.valueOf(value);
	}

	private static byte[] asBytes(Object value) {
		if (value instanceof byte[] bytes) {
			return bytes;
		}
		return (value == null) ? new byte[0] : text(String.valueOf(value));
	}

	/**
	 * Totals of one queue.
	 *
	 * @param completed tasks acknowledged
	 * @param failed tasks dead-lettered
	 * @param retried retries scheduled
	 */
	public record Totals(long completed, long failed, long retried) {

	}

	private record Batch(List<Reservation> reserved, long nextDueInMillis) {

	}

}
