package io.asynctasq.driver.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.DriverOutageContractTests;
import org.junit.jupiter.api.Nested;

/**
 * The outage contract on PostgreSQL and MariaDB, through a Hikari pool with its default settings (30 s
 * connection timeout, no socket timeout) as Spring Boot builds it.
 */
class JdbcOutageTests {

	/** A pool with Hikari's defaults for {@code url} at 127.0.0.1:{@code port}. */
	static HikariDataSource defaultPool(String url, String user) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(user);
		config.setPassword("");
		return new HikariDataSource(config);
	}

	@Nested
	class OnPostgres extends DriverOutageContractTests {

		@Override
		protected int serverPort() {
			return 5432;
		}

		@Override
		protected QueueDriver createDriver(String namespace, int port) {
			return driver(closeAfterTest(defaultPool("jdbc:postgresql://127.0.0.1:" + port + "/test", "postgres")),
					namespace);
		}

		@Override
		protected void cleanUp(String namespace, String queue) {
			JdbcSchema.drop(TestDatabases.postgres(), TestDatabases.prefixOf(namespace));
		}

	}

	@Nested
	class OnMariaDb extends DriverOutageContractTests {

		@Override
		protected int serverPort() {
			return 3306;
		}

		@Override
		protected QueueDriver createDriver(String namespace, int port) {
			return driver(closeAfterTest(defaultPool("jdbc:mariadb://127.0.0.1:" + port + "/test", "root")), namespace);
		}

		@Override
		protected void cleanUp(String namespace, String queue) {
			JdbcSchema.drop(TestDatabases.mariaDb(), TestDatabases.prefixOf(namespace));
		}

	}

	static JdbcDriver driver(HikariDataSource pool, String namespace) {
		String prefix = TestDatabases.prefixOf(namespace);
		JdbcSchema.create(pool, JdbcSchema.dialectOf(pool), prefix);
		return new JdbcDriver(pool, JdbcDriverOptions.defaults().withTablePrefix(prefix));
	}

}
