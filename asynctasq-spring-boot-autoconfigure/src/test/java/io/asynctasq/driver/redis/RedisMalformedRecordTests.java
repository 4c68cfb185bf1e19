package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.WorkerHeartbeat;
import io.asynctasq.driver.tck.PoisonTasks;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static io.asynctasq.driver.tck.PoisonTasks.bytes;
import static io.asynctasq.driver.tck.PoisonTasks.envelope;
import static io.asynctasq.driver.tck.PoisonTasks.failing;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed records written straight into the driver's keys, next to tasks enqueued normally: a reserve
 * hands each out on its own (a corrupt reservation with why) or settles it itself, never failing the
 * other tasks of the call, never losing one silently, never looping.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class RedisMalformedRecordTests {

	private static final Duration LEASE = Duration.ofMinutes(5);

	private static final int VALID = 40;

	private static final int MAX_ATTEMPTS = 3;

	private final String prefix = "malformed-" + UUID.randomUUID().toString().substring(0, 8);

	private final String queue = "poison";

	private LettuceConnectionFactory connectionFactory;

	private RedisDriver driver;

	private RedisKeys keys;

	@BeforeEach
	void connect() {
		this.connectionFactory = RedisTestSupport.connectionFactory("asynctasq-malformed");
		this.driver = new RedisDriver(this.connectionFactory, this.prefix);
		this.keys = new RedisKeys(this.prefix, this.queue);
	}

	@AfterEach
	void cleanUp() {
		this.driver.close();
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	@Test
	void unreadableHeartbeatIsSkippedWithWarning(CapturedOutput output) {
		WorkerHeartbeat good = new WorkerHeartbeat("worker-good", "host", 1, List.of("default"), 2, 0, 0, 0,
				Instant.now(), Instant.now(), "1.0");
		this.driver.beat(good, LEASE);
		List<byte[]> workerKeys = RedisKeys.workers(this.prefix);
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.hashCommands().hSet(workerKeys.get(0), bytes("worker-bad"), bytes("{\"v\":1,\"id\":"));
			connection.zSetCommands().zAdd(workerKeys.get(1), Double.MAX_VALUE, bytes("worker-bad"));
		}

		assertThat(this.driver.workers()).containsExactly(good);
		assertThat(output).contains("Skipped the unreadable worker heartbeat of worker worker-bad in Redis");
	}

	@Test
	void oneReserveHandsOutEachMalformedRecordOnItsOwnNextToTheSoundTasks(CapturedOutput output) throws Exception {
		List<String> sound = enqueue(33);
		Map<String, String> defects = new LinkedHashMap<>();
		defects.put(task("no-body", "enq", now(), "att", "0", "tok", ""), "corrupt task record: no body");
		defects.put(task("no-enq", "body", "{}", "att", "0", "tok", ""), "corrupt task record: no enqueue time");
		defects.put(task("odd-enq", "body", "{}", "enq", "yesterday", "att", "0", "tok", ""),
				"corrupt task record: enqueue time 'yesterday' is not a number");
		defects.put(task("no-att", "body", "{}", "enq", now(), "tok", ""), "corrupt task record: no attempt counter");
		defects.put(task("odd-att", "body", "{}", "enq", now(), "att", "1.5", "tok", ""),
				"corrupt attempt counter: '1.5' is not a whole number");
		defects.put(task("att-int-max", "body", "{}", "enq", now(), "att", "2147483647", "tok", ""),
				"corrupt attempt counter: 2147483647 attempts made (expected 0 to 999999)");
		defects.put(task("att-minus-3", "body", "{}", "enq", now(), "att", "-3", "tok", ""),
				"corrupt attempt counter: -3 attempts made (expected 0 to 999999)");
		defects.put(task("att-minus-1e9", "body", "{}", "enq", now(), "att", "-1000000000", "tok", ""),
				"corrupt attempt counter: -1000000000 attempts made (expected 0 to 999999)");
		String noHash = readyId("no-hash");
		String wrongType = readyId("wrong-type");
		redis((connection) -> connection.stringCommands().set(taskKey(wrongType), bytes("not a hash")));
		byte[] nonUtf8 = { 'b', 'a', 'd', (byte) 0xC3, (byte) 0x28 };
		hash(taskKey(nonUtf8), "body", "{}", "enq", now(), "att", "0", "tok", "");
		redis((connection) -> connection.listCommands().rPush(this.keys.ready, nonUtf8));
		String staleLease = staleLease("stale-lease", "{}", 1);
		sound.addAll(enqueue(33));

		List<Reservation> reserved = this.driver.reserve(List.of(this.queue), 200, LEASE, Duration.ZERO);

		Map<String, Reservation> byId = reserved.stream()
			.collect(Collectors.toMap(Reservation::id, Function.identity()));
		assertThat(byId.keySet()).as("every sound task and every readable record, each once")
			.containsExactlyInAnyOrderElementsOf(concat(sound, defects.keySet(), List.of(staleLease)));
		assertThat(reserved).hasSize(byId.size());
		for (String id : sound) {
			assertThat(byId.get(id).isCorrupt()).isFalse();
			assertThat(byId.get(id).attempt()).isEqualTo(1);
		}
		assertThat(byId.get(staleLease).isCorrupt()).isFalse();
		assertThat(byId.get(staleLease).attempt()).as("the expired lease's attempt stays counted").isEqualTo(2);
		for (Map.Entry<String, String> defect : defects.entrySet()) {
			assertThat(byId.get(defect.getKey()).defect()).as(defect.getKey()).isEqualTo(defect.getValue());
		}
		assertThat(byId.get(first(defects, "att-int-max")).attempt()).as("no int overflow").isEqualTo(Reservation.MAX_ATTEMPT);
		assertThat(this.driver.counts(this.queue)).isEqualTo(new QueueCounts(0, 0, byId.size(), 2));
		assertThat(exists(taskKey(noHash))).isFalse();
		assertThat(output).contains("Task " + noHash + " of queue 'poison' was malformed in Redis and is dropped: "
				+ "no task record");
		assertThat(output).contains("Task " + wrongType + " of queue 'poison' was malformed in Redis and is "
				+ "dead-lettered: corrupt task record: a string key, not a hash");
		assertThat(output).contains("is dead-lettered: corrupt task record: its id is not UTF-8");
		assertThat(field(first(defects, "att-int-max"), "att")).as("a corrupt counter is left as stored")
			.isEqualTo("2147483647");
		assertThat(field(first(defects, "att-minus-3"), "att")).isEqualTo("-3");

		for (Reservation reservation : reserved) {
			if (reservation.isCorrupt()) {
				assertThat(this.driver.deadLetter(reservation, DeadLetter.Failure.of(reservation.defect()))).isTrue();
			}
			else {
				assertThat(this.driver.acknowledge(reservation)).isTrue();
			}
		}
		Map<String, DeadLetter> dead = this.driver.deadLetters(this.queue, 0, 100).stream()
			.collect(Collectors.toMap(DeadLetter::id, Function.identity()));
		assertThat(dead).hasSize(defects.size() + 2);
		defects.forEach((id, reason) -> assertThat(dead.get(id).failure().reason()).isEqualTo(reason));
		assertThat(dead.get(wrongType).failure().reason()).isEqualTo("corrupt task record: a string key, not a hash");
		assertThat(new String(dead.get(wrongType).message().body(), StandardCharsets.UTF_8)).isEqualTo("not a hash");
		assertThat(dead.get(first(defects, "att-int-max")).attempts()).isEqualTo(Integer.MAX_VALUE);
		assertThat(dead.get(first(defects, "att-minus-3")).attempts()).isZero();
		assertThat(dead.get(first(defects, "no-enq")).message().enqueuedAt()).isEqualTo(Instant.EPOCH);
		assertThat(dead.values()).extracting((letter) -> letter.failure().reason())
			.contains("corrupt task record: its id is not UTF-8");
		assertThat(this.driver.counts(this.queue)).isEqualTo(new QueueCounts(0, 0, 0, defects.size() + 2));
		assertThat(this.driver.reserve(List.of(this.queue), 200, LEASE, Duration.ZERO)).isEmpty();
		assertThat(this.driver.totals(this.queue).completed()).isEqualTo(sound.size() + 1);
	}

	@Test
	void counterIncrementsStopAtTheBoundAndNeverTouchACorruptCounter() throws Exception {
		String nearBound = task("near-bound", "body", "{}", "enq", now(), "att", "999999", "tok", "");
		Reservation last = single(this.driver.reserve(List.of(this.queue), 10, LEASE, Duration.ZERO));
		assertThat(last.id()).isEqualTo(nearBound);
		assertThat(last.isCorrupt()).isFalse();
		assertThat(last.attempt()).isEqualTo(Reservation.MAX_ATTEMPT);
		assertThat(this.driver.retry(last, Duration.ZERO)).isTrue();
		Reservation beyond = single(this.driver.reserve(List.of(this.queue), 10, LEASE, Duration.ZERO));
		assertThat(beyond.isCorrupt()).isTrue();
		assertThat(beyond.attempt()).isEqualTo(Reservation.MAX_ATTEMPT);
		assertThat(field(nearBound, "att")).as("not incremented past the bound").isEqualTo("1000000");

		String negative = task("negative", "body", "{}", "enq", now(), "att", "-3", "tok", "");
		String huge = task("huge", "body", "{}", "enq", now(), "att", "99999999999999999999999", "tok", "");
		List<Reservation> corrupt = this.driver.reserve(List.of(this.queue), 10, LEASE, Duration.ZERO);
		assertThat(corrupt).extracting(Reservation::id).containsExactly(negative, huge);
		assertThat(corrupt).allSatisfy((reservation) -> assertThat(reservation.isCorrupt()).isTrue());
		assertThat(this.driver.release(corrupt.get(0))).isTrue();
		assertThat(this.driver.postpone(corrupt.get(1), Duration.ZERO)).isTrue();
		assertThat(field(negative, "att")).isEqualTo("-3");
		assertThat(field(huge, "att")).isEqualTo("99999999999999999999999");
	}

	@Test
	void idsWithoutARecordAreDroppedAFewHundredAtATimeWithoutHidingTheTasksBehindThem() throws Exception {
		for (int i = 0; i < 250; i++) {
			readyId("gone-" + i);
		}
		List<String> sound = enqueue(1);
		List<Reservation> reserved = this.driver.reserve(List.of(this.queue), 10, LEASE, Duration.ofSeconds(5));
		assertThat(reserved).extracting(Reservation::id).containsExactlyElementsOf(sound);
		assertThat(this.driver.counts(this.queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
	}

	@Test
	void aWorkerRunsEverySoundTaskOnceAndDeadLettersEachMalformedRecordOnceWithWhy(CapturedOutput output)
			throws Exception {
		PoisonTasks poison = new PoisonTasks();
		List<TaskEvent.DeadLettered> deadLetteredEvents = new CopyOnWriteArrayList<>();
		try (AsyncTasqRuntime runtime = poison.runtime(this.driver, this.queue, MAX_ATTEMPTS, deadLetteredEvents)) {
			// what each dead letter's reason is, and for a corrupt record what its error message starts with
			Map<String, String> reasons = new LinkedHashMap<>();
			Map<String, String> defects = new LinkedHashMap<>();
			for (int i = 0; i < VALID / 2; i++) {
				runtime.dispatcher().dispatch("Poison.work", i);
			}
			byte[] garbageBody = { (byte) 0xC3, 0x28, (byte) 0xFF, 0x00, 0x01 };
			reasons.put(task("garbage", "body", garbageBody, "enq", now(), "att", "0", "tok", ""),
					"undecodable payload");
			reasons.put(task("wrong-shape", "body", "{\"hello\":[1,2,3]}", "enq", now(), "att", "0", "tok", ""),
					"undecodable payload");
			reasons.put(task("wrong-argument", "body", envelope("Poison.work", "\"not a number\""), "enq", now(),
					"att", "0", "tok", ""), "undecodable arguments");
			String noBody = task("no-body", "enq", now(), "att", "0", "tok", "");
			defects.put(noBody, "corrupt task record: no body");
			// corrupt records hold a task that fails on every run: they must never run it
			String noEnqueueTime = task("no-enq", "body", failing("no-enq"), "att", "0", "tok", "");
			defects.put(noEnqueueTime, "corrupt task record: no enqueue time");
			String textEnqueueTime = task("odd-enq", "body", failing("odd-enq"), "enq", "yesterday", "att", "0", "tok",
					"");
			defects.put(textEnqueueTime, "corrupt task record: enqueue time 'yesterday' is not a number");
			for (String attempts : List.of("2147483647", "-3", "-1000000000")) {
				String id = task("att", "body", failing("att" + attempts), "enq", now(), "att", attempts, "tok", "");
				defects.put(id, "corrupt attempt counter: " + attempts + " attempts made");
			}
			defects.keySet().forEach((id) -> reasons.put(id, "corrupt message"));
			String wrongType = "wrong-type-" + UUID.randomUUID();
			redis((connection) -> connection.stringCommands().set(taskKey(wrongType), bytes("a string")));
			pushReady(wrongType);
			reasons.put(wrongType, "corrupt task record: a string key, not a hash");
			String noRecord = readyId("no-record");
			String staleWorking = staleLease("stale-working", envelope("Poison.work", Integer.toString(VALID)), 1);
			// a dead worker held its last attempt but one: it runs once more, then it is dead-lettered
			String staleFailing = staleLease("stale-failing", failing("stale-failing"), MAX_ATTEMPTS - 1);
			reasons.put(staleFailing, "failed");
			String dispatchedFailing = runtime.dispatcher().dispatch("Poison.fail", "dispatched");
			reasons.put(dispatchedFailing, "failed");
			for (int i = VALID / 2; i < VALID; i++) {
				runtime.dispatcher().dispatch("Poison.work", i);
			}

			QueueCounts settled = new QueueCounts(0, 0, 0, reasons.size());
			Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
				.until(() -> poison.worked.size() == VALID + 1 && this.driver.counts(this.queue).equals(settled));
			// and nothing comes back: no malformed record loops, no task runs again
			Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
				.until(() -> this.driver.counts(this.queue).equals(settled));

			assertThat(poison.worked).as("every sound task ran once").hasSize(VALID + 1)
				.allSatisfy((number, runs) -> assertThat(runs.get()).as("runs of %s", number).isEqualTo(1));
			assertThat(poison.failedRuns()).as("runs of the failing tasks: the stale lease's last attempt, and "
					+ "every attempt of the dispatched one, none of a corrupt record")
				.isEqualTo(Map.of("stale-failing", 1, "dispatched", MAX_ATTEMPTS));
			Map<String, DeadLetter> dead = this.driver.deadLetters(this.queue, 0, 100).stream()
				.collect(Collectors.toMap(DeadLetter::id, Function.identity()));
			assertThat(dead.keySet()).as("each malformed record dead-lettered once")
				.containsExactlyInAnyOrderElementsOf(reasons.keySet());
			reasons.forEach((id, reason) -> assertThat(dead.get(id).failure().reason()).as(id).isEqualTo(reason));
			defects.forEach((id, defect) -> assertThat(dead.get(id).failure().errorMessage()).as(id).startsWith(defect));
			assertThat(dead.get(staleFailing).attempts()).isEqualTo(MAX_ATTEMPTS);
			assertThat(dead.get(dispatchedFailing).attempts()).isEqualTo(MAX_ATTEMPTS);
			assertThat(deadLetteredEvents.stream().collect(Collectors.groupingBy(TaskEvent.DeadLettered::taskId,
					Collectors.counting()))).as("dead-letter events per task")
				.allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
			assertThat(output).contains("Task " + noRecord + " of queue 'poison' was malformed in Redis and is "
					+ "dropped: no task record");
			assertThat(dead).doesNotContainKey(noRecord).doesNotContainKey(staleWorking);

			runtime.dispatcher().dispatch("Poison.work", VALID + 1);
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> poison.worked.containsKey(VALID + 1));
		}
	}

	// ------------------------------------------------------------------ writing records

	private List<String> enqueue(int count) {
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			messages.add(new TaskMessage(UUID.randomUUID().toString(), this.queue, bytes("{}"), Instant.now()));
		}
		this.driver.enqueueAll(messages, Duration.ZERO);
		return new ArrayList<>(messages.stream().map(TaskMessage::id).toList());
	}

	/**
	 * A task record with these fields (names, then values as text or bytes), written whole before its id is
	 * appended to the ready list, so a running worker never sees it half-written; returns the id.
	 */
	private String task(String kind, Object... fields) {
		String id = kind + "-" + UUID.randomUUID();
		hash(taskKey(id), fields);
		pushReady(id);
		return id;
	}

	private void hash(byte[] key, Object... fields) {
		Map<byte[], byte[]> hash = new LinkedHashMap<>();
		for (int i = 0; i < fields.length; i += 2) {
			Object value = fields[i + 1];
			hash.put(bytes((String) fields[i]), (value instanceof byte[] raw) ? raw : bytes((String) value));
		}
		redis((connection) -> {
			connection.hashCommands().hMSet(key, hash);
			return null;
		});
	}

	/** An id appended to the ready list, with no record; returns the id. */
	private String readyId(String kind) {
		String id = kind + "-" + UUID.randomUUID();
		pushReady(id);
		return id;
	}

	private void pushReady(String id) {
		redis((connection) -> connection.listCommands().rPush(this.keys.ready, bytes(id)));
	}

	/** A task a dead worker held: in flight with a lease that ended long ago and its old token. */
	private String staleLease(String kind, Object body, int attemptsMade) {
		String id = kind + "-" + UUID.randomUUID();
		hash(taskKey(id), "body", body, "enq", now(), "att", Integer.toString(attemptsMade), "tok", "dead-worker.1");
		redis((connection) -> connection.zSetCommands().zAdd(this.keys.inFlight, 1, bytes(id)));
		return id;
	}

	private String field(String id, String field) {
		byte[] value = redis((connection) -> connection.hashCommands().hGet(taskKey(id), bytes(field)));
		return (value != null) ? new String(value, StandardCharsets.UTF_8) : null;
	}

	private boolean exists(byte[] key) {
		return Boolean.TRUE.equals(redis((connection) -> connection.keyCommands().exists(key)));
	}

	private byte[] taskKey(String id) {
		return taskKey(bytes(id));
	}

	private byte[] taskKey(byte[] id) {
		byte[] key = Arrays.copyOf(this.keys.taskPrefix, this.keys.taskPrefix.length + id.length);
		System.arraycopy(id, 0, key, this.keys.taskPrefix.length, id.length);
		return key;
	}

	private <T> T redis(Function<RedisConnection, T> action) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			return action.apply(connection);
		}
	}

	private static String first(Map<String, String> defects, String kind) {
		return defects.keySet().stream().filter((id) -> id.startsWith(kind + "-")).findFirst().orElseThrow();
	}

	private static Reservation single(List<Reservation> reservations) {
		assertThat(reservations).hasSize(1);
		return reservations.get(0);
	}

	@SafeVarargs
	private static List<String> concat(java.util.Collection<String>... parts) {
		List<String> all = new ArrayList<>();
		for (java.util.Collection<String> part : parts) {
			all.addAll(part);
		}
		return all;
	}

	private static String now() {
		return Long.toString(System.currentTimeMillis());
	}

}
