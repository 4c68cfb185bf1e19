package io.asynctasq.samples.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.jdbc.JdbcSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/** The sample against the real PostgreSQL; its tables are dropped when the test's context closes. */
@SpringBootTest(properties = "asynctasq.jdbc.table-prefix=sample_test_asynctasq_")
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class JdbcPostgresApplicationTests {

	@Autowired
	OrderRunner runner;

	@Autowired
	OrderService orders;

	@Autowired
	QueueDriver driver;

	@Autowired
	JdbcTemplate jdbc;

	@Test
	void committedOrderIsConfirmedAndRolledBackOrderLeavesNothing(CapturedOutput output) {
		assertThat(this.runner.getExitCode()).isZero();
		assertThat(((JdbcDriver) this.driver).dialect()).isEqualTo(JdbcDialect.POSTGRESQL);
		assertThat(this.orders.statusOf(this.runner.committedOrder())).isEqualTo("CONFIRMED");
		assertThat(output).contains("has a negative amount: rolled back")
			.contains("JDBC sample done: " + this.runner.committedOrder() + " is CONFIRMED");
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM sample_orders WHERE customer = 'mallory@example.com'",
				Integer.class)).isZero();
		assertThat(this.driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
	}

	/**
	 * Drops the sample's tables when the context closes: after the worker stopped, before the
	 * DataSource closes.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class DropTablesOnClose {

		@Bean
		DisposableBean dropSampleTables(JdbcTemplate jdbc) {
			return () -> {
				JdbcSchema.drop(jdbc.getDataSource(), "sample_test_asynctasq_");
				jdbc.execute("DROP TABLE IF EXISTS sample_orders");
			};
		}

	}

}
