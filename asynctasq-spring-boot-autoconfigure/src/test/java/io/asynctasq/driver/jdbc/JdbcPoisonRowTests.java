package io.asynctasq.driver.jdbc;

import static io.asynctasq.driver.tck.PoisonTasks.bytes;
import static io.asynctasq.driver.tck.PoisonTasks.envelope;
import static io.asynctasq.driver.tck.PoisonTasks.failing;
import static io.asynctasq.driver.tck.PoisonTasks.noting;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.tck.PoisonTasks;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Rows written straight into the tasks table with SQL, as something other than the driver could write them
 * (odd attempt counters, a NULL body or enqueue time, a stale lease), next to tasks enqueued normally, each
 * added to the queue totals as the schema script asks of other writers: a
 * reserve hands each odd row out on its own (as a corrupt reservation when its counter is out of range or a
 * column is missing), the other rows reserve normally, no counter overflows, and every corrupt row can be
 * dead-lettered. Under a real worker, next to tasks dispatched normally: every valid task runs once, each
 * malformed row is dead-lettered once with its reason and never run, no task runs past its attempts, and
 * the queue goes on.
 */
class JdbcPoisonRowTests {

	@Nested
	class OnPostgres extends PoisonRows {

		OnPostgres() {
			super(TestDatabases.postgres(), JdbcDialect.POSTGRESQL, "ALTER TABLE {tasks} ALTER COLUMN body DROP NOT NULL",
					"ALTER TABLE {tasks} ALTER COLUMN enqueued_at DROP NOT NULL");
		}

	}

	@Nested
	class OnMariaDb extends PoisonRows {

		OnMariaDb() {
			super(TestDatabases.mariaDb(), JdbcDialect.MARIADB,
					"ALTER TABLE {tasks} MODIFY body LONGBLOB NULL, MODIFY enqueued_at DATETIME(6) NULL");
		}

	}

	@Nested
	class OnH2 extends PoisonRows {

		OnH2() {
			super(TestDatabases.h2(), JdbcDialect.H2, "ALTER TABLE {tasks} ALTER COLUMN body SET NULL",
					"ALTER TABLE {tasks} ALTER COLUMN enqueued_at SET NULL");
		}

	}

	/** The tests on one database; each gets tables of its own, whose columns also accept NULL. */
	abstract static class PoisonRows {

		static final String QUEUE = "poison";

		static final Duration LEASE = Duration.ofSeconds(30);

		static final int VALID = 40;

		static final int MAX_ATTEMPTS = 3;

		final DataSource dataSource;

		final JdbcDialect dialect;

		final String prefix = "poison_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

		final JdbcTemplate jdbc;

		/** Statements that let the tasks table hold a NULL body and a NULL enqueue time. */
		final List<String> allowNulls;

		JdbcDriver driver;

		PoisonRows(DataSource dataSource, JdbcDialect dialect, String... allowNulls) {
			this.dataSource = dataSource;
			this.dialect = dialect;
			this.jdbc = new JdbcTemplate(dataSource);
			this.allowNulls = List.of(allowNulls);
		}

		@BeforeEach
		void createTables() {
			JdbcSchema.create(this.dataSource, this.dialect, this.prefix);
			this.allowNulls.forEach((sql) -> this.jdbc.execute(this.dialect.resolve(sql, this.prefix + "tasks", null)));
			this.driver = new JdbcDriver(this.dataSource, JdbcDriverOptions.defaults().withTablePrefix(this.prefix));
		}

		@AfterEach
		void dropTables() {
			if (this.driver != null) {
				this.driver.close();
			}
			JdbcSchema.drop(this.dataSource, this.prefix);
		}

		@Test
		void reserveHandsOutOddRowsAloneAndTheOthersNormally() throws Exception {
			TaskMessage first = message("first");
			this.driver.enqueue(first, Duration.ZERO);
			insertRow("attempts-int-max", bytes("x"), Integer.MAX_VALUE, true);
			insertRow("attempts-minus-3", bytes("x"), -3, true);
			insertRow("attempts-minus-billion", bytes("x"), -1_000_000_000, true);
			insertRow("attempts-at-limit", bytes("x"), Reservation.MAX_ATTEMPT, true);
			insertRow("attempts-below-limit", bytes("x"), Reservation.MAX_ATTEMPT - 1, true);
			insertRow("body-null", null, 0, true);
			insertRow("enqueued-at-null", bytes("x"), 0, false);
			insertStaleLease("stale-lease", bytes("x"), 1);
			TaskMessage last = message("last");
			this.driver.enqueue(last, Duration.ZERO);

			Map<String, Reservation> reserved = byId(reserveAll());

			assertThat(reserved).containsOnlyKeys(first.id(), last.id(), "attempts-int-max", "attempts-minus-3",
					"attempts-minus-billion", "attempts-at-limit", "attempts-below-limit", "body-null",
					"enqueued-at-null", "stale-lease");
			assertSound(reserved.get(first.id()), 1);
			assertSound(reserved.get(last.id()), 1);
			assertSound(reserved.get("stale-lease"), 2);
			assertSound(reserved.get("attempts-below-limit"), Reservation.MAX_ATTEMPT);
			assertThat(reserved.get(first.id()).message().body()).isEqualTo(first.body());
			assertCorrupt(reserved.get("attempts-int-max"), "corrupt attempt counter: 2147483647 attempts made");
			assertCorrupt(reserved.get("attempts-minus-3"), "corrupt attempt counter: -3 attempts made");
			assertCorrupt(reserved.get("attempts-minus-billion"),
					"corrupt attempt counter: -1000000000 attempts made");
			assertCorrupt(reserved.get("attempts-at-limit"), "corrupt attempt counter: 1000000 attempts made");
			assertCorrupt(reserved.get("body-null"), "corrupt task row: body is NULL");
			assertThat(reserved.get("body-null").message().body()).isEmpty();
			assertCorrupt(reserved.get("enqueued-at-null"), "corrupt task row: enqueued_at is NULL");
			assertThat(storedAttempts("attempts-int-max")).as("never incremented past the limit")
				.isEqualTo(Integer.MAX_VALUE);
			assertThat(storedAttempts("attempts-at-limit")).isEqualTo(Reservation.MAX_ATTEMPT);
		}

		@Test
		void oddRowsGoOnReservingAndAreDeadLetteredWithTheirDefect() throws Exception {
			insertRow("attempts-int-max", bytes("x"), Integer.MAX_VALUE, true);
			insertRow("attempts-minus-3", bytes("x"), -3, true);
			insertRow("body-null", null, Integer.MIN_VALUE, true);
			insertRow("enqueued-at-null", bytes("x"), 0, false);
			TaskMessage valid = message("valid");
			this.driver.enqueue(valid, Duration.ZERO);

			// handed back (released, postponed) and reserved again: no statement fails, no counter out of range
			// moves
			for (int round = 0; round < 3; round++) {
				List<Reservation> reserved = reserveAll();
				assertThat(reserved).hasSize(5);
				for (Reservation reservation : reserved) {
					assertThat((round % 2 == 0) ? this.driver.release(reservation)
							: this.driver.postpone(reservation, Duration.ZERO)).isTrue();
				}
			}
			assertThat(storedAttempts("attempts-int-max")).isEqualTo(Integer.MAX_VALUE);
			assertThat(storedAttempts("attempts-minus-3")).isEqualTo(-3);
			assertThat(storedAttempts("body-null")).isEqualTo(Integer.MIN_VALUE);

			Map<String, Reservation> reserved = byId(reserveAll());
			assertThat(this.driver.acknowledge(reserved.get(valid.id()))).isTrue();
			for (String id : List.of("attempts-int-max", "attempts-minus-3", "body-null", "enqueued-at-null")) {
				Reservation corrupt = reserved.get(id);
				assertThat(corrupt.isCorrupt()).as("%s is corrupt", id).isTrue();
				assertThat(this.driver.deadLetter(corrupt, new DeadLetter.Failure("corrupt message", null,
						corrupt.defect(), null))).as("dead-lettered %s", id).isTrue();
			}

			assertThat(this.driver.counts(QUEUE)).isEqualTo(new QueueCounts(0, 0, 0, 4));
			Map<String, DeadLetter> dead = this.driver.deadLetters(QUEUE, 0, 10).stream()
				.collect(Collectors.toMap(DeadLetter::id, Function.identity()));
			assertThat(dead).containsOnlyKeys("attempts-int-max", "attempts-minus-3", "body-null", "enqueued-at-null");
			assertThat(dead.get("body-null").message().body()).isEmpty();
			assertThat(dead.get("body-null").failure().errorMessage()).contains("body is NULL");
			assertThat(dead.get("enqueued-at-null").message().enqueuedAt()).isAfter(Instant.now().minusSeconds(60));
			assertThat(dead.get("attempts-int-max").failure().errorMessage())
				.startsWith("corrupt attempt counter: 2147483647 attempts made");
		}

		@Test
		void aWorkerDeadLettersEachMalformedRowOnceAndRunsEveryValidTaskOnce() {
			PoisonTasks poison = new PoisonTasks();
			List<TaskEvent.DeadLettered> deadLetteredEvents = new CopyOnWriteArrayList<>();
			AsyncTasqRuntime runtime = poison.runtime(this.driver, QUEUE, MAX_ATTEMPTS, deadLetteredEvents);
			try {
				// expected dead letters: id -> what its reason starts with
				Map<String, String> expected = new LinkedHashMap<>();
				// and for a corrupt row, what the dead letter's error message starts with
				Map<String, String> defects = new HashMap<>();
				for (int i = 0; i < VALID / 2; i++) {
					runtime.dispatcher().dispatch("Poison.work", i);
				}
				insertRow("garbage-bytes", new byte[] { (byte) 0xC3, 0x28, (byte) 0xFF, 0x00, 0x01 }, 0, true);
				expected.put("garbage-bytes", "undecodable payload");
				insertRow("wrong-shape-object", bytes("{\"hello\":\"world\"}"), 0, true);
				expected.put("wrong-shape-object", "undecodable payload");
				insertRow("wrong-shape-array", bytes("[1,2,3]"), 0, true);
				expected.put("wrong-shape-array", "undecodable payload");
				// dispatched long ago: the rolling-deploy grace for what this worker cannot decode has passed
				insertRow("unknown-task", envelope("Poison.nobodyKnowsThis", "1"), 0, true);
				expected.put("unknown-task", "unknown task");
				insertRow("wrong-argument-type", envelope("Poison.work", "\"not a number\""), 0, true);
				expected.put("wrong-argument-type", "undecodable arguments");
				// tasks that would fail on every run: a corrupt row must not run at all
				insertRow("attempts-int-max", failing("attempts-int-max"), Integer.MAX_VALUE, true);
				defects.put("attempts-int-max", "corrupt attempt counter: 2147483647 attempts made");
				insertRow("attempts-minus-3", failing("attempts-minus-3"), -3, true);
				defects.put("attempts-minus-3", "corrupt attempt counter: -3 attempts made");
				insertRow("attempts-minus-billion", failing("attempts-minus-billion"), -1_000_000_000, true);
				defects.put("attempts-minus-billion", "corrupt attempt counter: -1000000000 attempts made");
				insertRow("body-null", null, 0, true);
				defects.put("body-null", "corrupt task row: body is NULL");
				insertRow("enqueued-at-null", failing("enqueued-at-null"), 0, false);
				defects.put("enqueued-at-null", "corrupt task row: enqueued_at is NULL");
				defects.keySet().forEach((id) -> expected.put(id, "corrupt message"));
				// a worker that vanished: its lease ended, the task runs (its lost attempt counted)
				insertStaleLease("stale-lease", noting("stale-lease"), 1);
				// a sound counter from storage: one attempt made, so two are left
				insertRow("attempts-one", failing("attempts-one"), 1, true);
				expected.put("attempts-one", "failed");
				String dispatchedFailure = runtime.dispatcher().dispatch("Poison.fail", "dispatched");
				expected.put(dispatchedFailure, "failed");
				for (int i = VALID / 2; i < VALID; i++) {
					runtime.dispatcher().dispatch("Poison.work", i);
				}

				Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
					.until(() -> poison.worked.size() == VALID
							&& this.driver.counts(QUEUE).equals(new QueueCounts(0, 0, 0, expected.size())));
				// nothing more happens: no malformed row comes back, no task runs again
				Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
					.until(() -> this.driver.counts(QUEUE).equals(new QueueCounts(0, 0, 0, expected.size())));

				assertThat(poison.worked).as("every valid task ran once").hasSize(VALID)
					.allSatisfy((number, runs) -> assertThat(runs.get()).as("runs of %s", number).isEqualTo(1));
				assertThat(poison.noted).as("the task of the stale lease ran once").containsExactly("stale-lease");
				assertThat(poison.failedRuns()).as("runs of the failing tasks, none past its attempts")
					.isEqualTo(Map.of("attempts-one", MAX_ATTEMPTS - 1, "dispatched", MAX_ATTEMPTS));

				Map<String, DeadLetter> dead = this.driver.deadLetters(QUEUE, 0, 100).stream()
					.collect(Collectors.toMap(DeadLetter::id, Function.identity()));
				assertThat(dead).as("each dead-lettered once").containsOnlyKeys(expected.keySet());
				expected.forEach((id, reason) -> assertThat(dead.get(id).failure().reason()).as("reason of %s", id)
					.startsWith(reason));
				defects.forEach((id, defect) -> assertThat(dead.get(id).failure().errorMessage())
					.as("defect of %s", id).startsWith(defect));
				assertThat(dead.get("attempts-one").attempts()).isEqualTo(MAX_ATTEMPTS);
				assertThat(dead.get(dispatchedFailure).attempts()).isEqualTo(MAX_ATTEMPTS);
				assertThat(deadLetteredEvents.stream()
					.collect(Collectors.groupingBy(TaskEvent.DeadLettered::taskId, Collectors.counting())))
					.as("dead-letter events per task").containsOnlyKeys(expected.keySet())
					.allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));

				// the queue keeps working
				runtime.dispatcher().dispatch("Poison.work", VALID);
				Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> poison.worked.containsKey(VALID));
			}
			finally {
				runtime.close();
			}
		}

		List<Reservation> reserveAll() throws InterruptedException {
			return this.driver.reserve(List.of(QUEUE), 50, LEASE, Duration.ZERO);
		}

		/** A ready row of {@link #QUEUE}; {@code body} may be {@code null}, the enqueue time too. */
		void insertRow(String id, byte[] body, int attempts, boolean withEnqueuedAt) {
			this.jdbc.update(this.dialect.resolve("INSERT INTO {tasks} (id, queue, body, attempts, available_at, "
					+ "enqueued_at) VALUES (?, ?, ?, ?, {now}, " + (withEnqueuedAt ? "{now}" : "NULL") + ")",
					this.prefix + "tasks", null), id, QUEUE, body, attempts);
			countRow();
		}

		/** A row leased to a worker that vanished: token set, lease ended a minute ago. */
		void insertStaleLease(String id, byte[] body, int attempts) {
			this.jdbc.update(this.dialect.resolve("INSERT INTO {tasks} (id, queue, body, attempts, available_at, "
					+ "enqueued_at, lease_token, lease_until) VALUES (?, ?, ?, ?, {now}, {now}, 'gone', {now+ms})",
					this.prefix + "tasks", null), id, QUEUE, body, attempts, -60_000L);
			countRow();
		}

		/** Adds one task of {@link #QUEUE} to the totals, in a slot the driver also writes. */
		void countRow() {
			this.jdbc.update(this.dialect.addCounts(this.prefix + "queue_counts", 1), QUEUE, 0, 1L, 0L);
		}

		int storedAttempts(String id) {
			return this.jdbc.queryForObject("SELECT attempts FROM " + this.prefix + "tasks WHERE id = ?",
					Integer.class, id);
		}

		static TaskMessage message(String label) {
			return new TaskMessage(UUID.randomUUID().toString(), QUEUE, bytes(label), Instant.now());
		}

		static Map<String, Reservation> byId(List<Reservation> reservations) {
			return reservations.stream().collect(Collectors.toMap(Reservation::id, Function.identity()));
		}

		static void assertSound(Reservation reservation, int attempt) {
			assertThat(reservation.isCorrupt()).as("%s is sound (%s)", reservation.id(), reservation.defect())
				.isFalse();
			assertThat(reservation.attempt()).as("attempt of %s", reservation.id()).isEqualTo(attempt);
		}

		static void assertCorrupt(Reservation reservation, String defect) {
			assertThat(reservation.isCorrupt()).as("%s is corrupt", reservation.id()).isTrue();
			assertThat(reservation.defect()).as("defect of %s", reservation.id()).startsWith(defect);
		}

	}

}
