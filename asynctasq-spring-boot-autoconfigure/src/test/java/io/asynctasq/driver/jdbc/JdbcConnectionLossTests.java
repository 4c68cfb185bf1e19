package io.asynctasq.driver.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.asynctasq.driver.DriverException;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.boot.health.contributor.Status;

/**
 * A database that refuses connections fails dispatch with a {@link DriverException} that says what failed
 * and why, and turns health DOWN. {@link JdbcOutageTests} shows the worker resuming after a real database
 * went away and came back.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JdbcConnectionLossTests {

	private AsyncTasqRuntime runtime;

	@AfterEach
	void cleanUp() {
		if (this.runtime != null) {
			this.runtime.close();
		}
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

}
