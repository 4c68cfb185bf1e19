package io.asynctasq.driver.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.asynctasq.Task;
import io.asynctasq.driver.DriverException;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.boot.health.contributor.Status;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A lost database fails dispatch with a {@link DriverException} that says what failed and why, turns
 * health DOWN, and the worker resumes by itself when the database is back.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JdbcConnectionLossTests {

	private final String prefix = "loss_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private AsyncTasqRuntime runtime;

	@AfterEach
	void cleanUp() {
		if (this.runtime != null) {
			this.runtime.close();
		}
		JdbcSchema.drop(TestDatabases.postgres(), this.prefix);
	}

	@Test
	void unreachableDatabaseFailsWithAClearExceptionAndHealthDown() {
		PGSimpleDataSource closedPort = new PGSimpleDataSource();
		closedPort.setURL("jdbc:postgresql://127.0.0.1:1/test");
		closedPort.setUser("postgres");
		closedPort.setConnectTimeout(2);
		JdbcDriver driver = new JdbcDriver(closedPort,
				JdbcDriverOptions.defaults().withDialect(JdbcDialect.POSTGRESQL).withNotifications(false));
		this.runtime = AsyncTasq.builder().driver(driver).worker(false).build();

		assertThatThrownBy(() -> this.runtime.dispatcher().dispatch("Reports.build", "2026-11"))
			.isInstanceOf(DriverException.class)
			.hasMessageStartingWith("AsyncTasQ JDBC driver (postgresql) could not enqueue task ")
			.hasMessageContaining("on queue 'default'")
			.hasMessageContaining("Connection to 127.0.0.1:1 refused");
		assertThat(new AsyncTasqHealthIndicator(driver, List.of("default")).health().getStatus())
			.isEqualTo(Status.DOWN);
	}

	@Test
	void workerResumesWhenTheDatabaseIsBack() {
		JdbcSchema.create(TestDatabases.postgres(), JdbcDialect.POSTGRESQL, this.prefix);
		SwitchableDataSource dataSource = new SwitchableDataSource(TestDatabases.postgres());
		JdbcDriver driver = new JdbcDriver(dataSource, JdbcDriverOptions.defaults().withTablePrefix(this.prefix));
		RecordingTasks tasks = new RecordingTasks();
		this.runtime = AsyncTasq.builder().driver(driver).tasks(tasks).pollInterval(Duration.ofMillis(200)).build();
		AsyncTasqHealthIndicator health = new AsyncTasqHealthIndicator(driver, List.of("default"));

		this.runtime.dispatcher().dispatch("loss.record", "before");
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> tasks.done.contains("before"));
		assertThat(health.health().getStatus()).isEqualTo(Status.UP);

		dataSource.down = true;
		assertThatThrownBy(() -> this.runtime.dispatcher().dispatch("loss.record", "during"))
			.isInstanceOf(DriverException.class)
			.hasMessageContaining("could not enqueue task")
			.hasMessageContaining("database down");
		assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);

		dataSource.down = false;
		assertThat(health.health().getStatus()).isEqualTo(Status.UP);
		this.runtime.dispatcher().dispatch("loss.record", "after");
		Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> tasks.done.contains("after"));
	}

	static class RecordingTasks {

		final Set<String> done = ConcurrentHashMap.newKeySet();

		@Task(name = "loss.record")
		public void record(String label) {
			this.done.add(label);
		}

	}

	/** Refuses new connections while {@link #down}, like a database that went away. */
	static final class SwitchableDataSource extends DelegatingDataSource {

		volatile boolean down;

		SwitchableDataSource(DataSource target) {
			super(target);
		}

		@Override
		public Connection getConnection() throws SQLException {
			if (this.down) {
				throw new SQLTransientConnectionException("Connection refused: database down", "08001");
			}
			return super.getConnection();
		}

	}

}
