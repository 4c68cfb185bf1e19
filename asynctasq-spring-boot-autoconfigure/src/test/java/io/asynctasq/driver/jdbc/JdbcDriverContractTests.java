package io.asynctasq.driver.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.WorkerHeartbeat;
import io.asynctasq.driver.tck.QueueDriverContractTests;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The driver TCK on one database: each test gets its own tables (prefix from the namespace), dropped after it. */
abstract class JdbcDriverContractTests extends QueueDriverContractTests {

	protected abstract DataSource dataSource();

	protected abstract JdbcDialect expectedDialect();

	@Override
	protected QueueDriver createDriver(String namespace) {
		String prefix = TestDatabases.prefixOf(namespace);
		JdbcSchema.create(dataSource(), expectedDialect(), prefix);
		JdbcDriver driver = new JdbcDriver(dataSource(), JdbcDriverOptions.defaults().withTablePrefix(prefix));
		if (driver.dialect() != expectedDialect()) {
			throw new IllegalStateException("detected " + driver.dialect() + ", expected " + expectedDialect());
		}
		return driver;
	}

	@Override
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
		JdbcSchema.drop(dataSource(), TestDatabases.prefixOf(namespace));
	}

	@Test
	@DisplayName("purgeExpiredResults deletes the expired result rows and keeps the others")
	void purgeExpiredResults() {
		JdbcDriver jdbc = new JdbcDriver(dataSource(),
				JdbcDriverOptions.defaults().withTablePrefix(TestDatabases.prefixOf(namespace())));
		TaskResult expiring = result();
		TaskResult kept = result();
		// the first recording of an instance purges on its own, the next ones only a minute later
		jdbc.recordResult(kept, Duration.ofMinutes(5));
		jdbc.recordResult(expiring, Duration.ofMillis(1));
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.result(expiring.taskId()).isEmpty());

		assertThat(jdbc.purgeExpiredResults()).isEqualTo(1);
		assertThat(jdbc.purgeExpiredResults()).isZero();
		assertThat(jdbc.result(kept.taskId())).contains(kept);
		jdbc.close();
	}

	private static TaskResult result() {
		Instant now = Instant.now();
		return new TaskResult(java.util.UUID.randomUUID().toString(), "jdbc.result", "results",
				TaskResult.Outcome.SUCCEEDED, 1, now, now, "1", null, null);
	}

	@Test
	@DisplayName("enqueueAll of more tasks than one INSERT statement takes stores them all, in order")
	void enqueueAllAcrossStatements() throws Exception {
		String queue = queue("many");
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < 2 * JdbcDriver.MAX_ROWS_PER_INSERT + 3; i++) {
			messages.add(message(queue, "task-" + i));
		}
		driver().enqueueAll(messages, Duration.ZERO);

		assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(messages.size(), 0, 0, 0));
		List<Reservation> reserved = driver().reserve(List.of(queue), messages.size(), LONG_LEASE, Duration.ZERO);
		assertThat(reserved).extracting(Reservation::id)
			.containsExactlyInAnyOrderElementsOf(messages.stream().map(TaskMessage::id).toList());
	}

	@Test
	@DisplayName("expireDeadLetters of more dead letters than one statement reads deletes them chunk by chunk, with the queue totals")
	void expireDeadLettersAcrossStatements() throws Exception {
		String queue = queue("expire-many");
		int count = 2 * JdbcDriver.DEAD_LETTER_EXPIRY_CHUNK + 34;
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			messages.add(message(queue, "task-" + i));
		}
		driver().enqueueAll(messages, Duration.ZERO);
		List<Reservation> reserved = driver().reserve(List.of(queue), count, LONG_LEASE, Duration.ZERO);
		assertThat(reserved).hasSize(count);
		for (Reservation reservation : reserved) {
			assertThat(driver().deadLetter(reservation, DeadLetter.Failure.of("failed"))).isTrue();
		}
		assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, count));

		Duration retention = Duration.ofMillis(100);
		Awaitility.await().pollDelay(retention.multipliedBy(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
		assertThat(driver().expireDeadLetters(queue, retention, JdbcDriver.DEAD_LETTER_EXPIRY_CHUNK + 10))
			.isEqualTo(JdbcDriver.DEAD_LETTER_EXPIRY_CHUNK + 10);
		assertThat(driver().counts(queue).deadLettered()).isEqualTo(count - JdbcDriver.DEAD_LETTER_EXPIRY_CHUNK - 10);
		assertThat(driver().expireDeadLetters(queue, retention, count)).isEqualTo(count - JdbcDriver.DEAD_LETTER_EXPIRY_CHUNK - 10);
		assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		assertThat(driver().deadLetters(queue, 0, 10)).isEmpty();
	}

	@Test
	@DisplayName("enqueueAll spanning several INSERT statements is atomic: a failure in the last stores none")
	void enqueueAllAcrossStatementsIsAtomic() {
		String queue = queue("atomic");
		TaskMessage existing = message(queue, "existing");
		driver().enqueue(existing, Duration.ZERO);
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < JdbcDriver.MAX_ROWS_PER_INSERT + 10; i++) {
			messages.add(message(queue, "task-" + i));
		}
		// same id as a stored task: the last statement fails on the unique key
		messages.add(new TaskMessage(existing.id(), queue, existing.body(), Instant.now()));

		assertThatThrownBy(() -> driver().enqueueAll(messages, Duration.ZERO)).isInstanceOf(DriverException.class);
		assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 0));
	}

	@Test
	@DisplayName("a heartbeat row that is not a heartbeat is skipped by the listing, never failing it")
	void beatUnreadableRowIsSkipped() throws Exception {
		Instant now = Instant.now();
		WorkerHeartbeat good = new WorkerHeartbeat("worker-good", "host", 1, List.of("default"), 2, 0, 0, 0, now, now,
				"1.0");
		driver().beat(good, LONG_LEASE);
		String table = TestDatabases.prefixOf(namespace()) + "workers";
		new JdbcTransactions(dataSource(), null).statement((connection) -> JdbcTransactions.update(connection,
				"INSERT INTO " + table + " (worker_id, heartbeat, expires_at) VALUES (?, ?, ?)", (statement) -> {
					statement.setString(1, "worker-bad");
					statement.setString(2, "{\"v\":1,\"id\":");
					expectedDialect().setTime(statement, 3, now.plus(LONG_LEASE));
				}));

		assertThat(driver().workers()).containsExactly(good);
	}

}
