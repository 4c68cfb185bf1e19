package io.asynctasq.samples.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/** The sample against the real PostgreSQL; its tables are dropped afterwards. */
@SpringBootTest(properties = "asynctasq.jdbc.table-prefix=sample_test_asynctasq_")
@ExtendWith(OutputCaptureExtension.class)
class JdbcPostgresApplicationTests {

	private static JdbcTemplate cleanUp;

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
		cleanUp = this.jdbc;
		assertThat(this.runner.getExitCode()).isZero();
		assertThat(((JdbcDriver) this.driver).dialect()).isEqualTo(JdbcDialect.POSTGRESQL);
		assertThat(this.orders.statusOf(this.runner.committedOrder())).isEqualTo("CONFIRMED");
		assertThat(output).contains("has a negative amount: rolled back")
			.contains("JDBC sample done: " + this.runner.committedOrder() + " is CONFIRMED");
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM sample_orders WHERE customer = 'mallory@example.com'",
				Integer.class)).isZero();
		assertThat(this.driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
	}

	@AfterAll
	static void dropTables() {
		if (cleanUp != null) {
			cleanUp.execute("DROP TABLE IF EXISTS sample_test_asynctasq_tasks");
			cleanUp.execute("DROP TABLE IF EXISTS sample_test_asynctasq_dead_letters");
			cleanUp.execute("DELETE FROM sample_orders WHERE customer IN ('ada@example.com', 'mallory@example.com')");
		}
	}

}
