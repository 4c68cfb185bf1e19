package io.asynctasq.driver.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reservation, an acknowledgement or an enqueue that loses a deadlock on MariaDB is run again by the
 * driver: the caller sees a normal result and no task is lost or handed out twice.
 */
class MariaDbLockConflictTests {

	private final String prefix = "dl_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private JdbcDriver driver;

	@AfterEach
	void dropTables() {
		if (this.driver != null) {
			this.driver.close();
		}
		JdbcSchema.drop(TestDatabases.mariaDb(), this.prefix);
	}

	@Test
	void deadlockedOperationsAreRunAgainTransparently() throws Exception {
		JdbcSchema.create(TestDatabases.mariaDb(), JdbcDialect.MARIADB, this.prefix);
		DeadlockInjectingDataSource dataSource = new DeadlockInjectingDataSource(TestDatabases.mariaDb(),
				(sql) -> sql.contains("SKIP LOCKED") || sql.startsWith("DELETE") || sql.startsWith("INSERT"), 5);
		this.driver = new JdbcDriver(dataSource, JdbcDriverOptions.defaults().withTablePrefix(this.prefix));
		String queue = "deadlocks";
		TaskMessage first = message(queue);
		TaskMessage second = message(queue);

		this.driver.enqueue(first, Duration.ZERO);
		this.driver.enqueue(second, Duration.ZERO);
		List<Reservation> reserved = this.driver.reserve(List.of(queue), 5, Duration.ofSeconds(30), Duration.ZERO);
		assertThat(reserved).extracting(Reservation::id).containsExactly(first.id(), second.id());
		assertThat(reserved).allSatisfy((reservation) -> assertThat(reservation.attempt()).isEqualTo(1));
		for (Reservation reservation : reserved) {
			assertThat(this.driver.acknowledge(reservation)).isTrue();
		}

		// one deadlock for each enqueue, the reservation and each acknowledgement
		assertThat(dataSource.injected()).isEqualTo(5);
		assertThat(this.driver.lockConflictRetries()).isEqualTo(5);
		assertThat(this.driver.counts(queue)).isEqualTo(QueueCounts.EMPTY);
	}

	@Test
	void lockConflictsAreRecognised() {
		assertThat(JdbcDriver.isLockConflict(new java.sql.SQLException("deadlock", "40001", 1213))).isTrue();
		assertThat(JdbcDriver.isLockConflict(new java.sql.SQLException("lock wait timeout", "HY000", 1205))).isTrue();
		assertThat(JdbcDriver.isLockConflict(new java.sql.SQLException("deadlock detected", "40P01", 0))).isTrue();
		assertThat(JdbcDriver.isLockConflict(new java.sql.SQLException("syntax", "42000", 1064))).isFalse();
	}

	private static TaskMessage message(String queue) {
		return new TaskMessage(UUID.randomUUID().toString(), queue, "x".getBytes(StandardCharsets.UTF_8),
				Instant.now());
	}

}
