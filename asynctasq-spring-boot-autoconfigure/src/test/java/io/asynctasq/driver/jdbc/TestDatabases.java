package io.asynctasq.driver.jdbc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The real databases the JDBC tests run against: PostgreSQL and MariaDB on 127.0.0.1 (as on the CI
 * machine: trust auth / root without password, database {@code test}) and an in-memory H2. One small
 * pool per database, shared by the test classes of this JVM, and for PostgreSQL and MariaDB a second
 * one whose connections are not in auto-commit ({@code spring.datasource.hikari.auto-commit=false}, common
 * in JPA applications).
 */
final class TestDatabases {

	static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";

	static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test";

	static final String H2_URL = "jdbc:h2:mem:asynctasq;DB_CLOSE_DELAY=-1";

	private static final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();

	private TestDatabases() {
	}

	static DataSource postgres() {
		return pool(POSTGRES_URL, "postgres", "");
	}

	static DataSource mariaDb() {
		return pool(MARIADB_URL, "root", "");
	}

	/** PostgreSQL through a pool whose connections are not in auto-commit. */
	static DataSource postgresWithoutAutoCommit() {
		return pool(POSTGRES_URL, "postgres", "", false);
	}

	/** MariaDB through a pool whose connections are not in auto-commit. */
	static DataSource mariaDbWithoutAutoCommit() {
		return pool(MARIADB_URL, "root", "", false);
	}

	static DataSource h2() {
		return pool(H2_URL, "sa", "");
	}

	static DataSource pool(String url, String user, String password) {
		return pool(url, user, password, true);
	}

	private static DataSource pool(String url, String user, String password, boolean autoCommit) {
		String name = "test-" + url.replaceAll("[^a-z0-9]", "") + (autoCommit ? "" : "-manual-commit");
		return pools.computeIfAbsent(name, (key) -> {
			HikariConfig config = new HikariConfig();
			config.setJdbcUrl(url);
			config.setUsername(user);
			config.setPassword(password);
			config.setAutoCommit(autoCommit);
			config.setMaximumPoolSize(12);
			config.setMinimumIdle(0);
			config.setPoolName(name);
			return new HikariDataSource(config);
		});
	}

	/** A table prefix unique to a TCK namespace ("tck-1a2b..." becomes "tck_1a2b..._"). */
	static String prefixOf(String namespace) {
		return namespace.replaceAll("[^A-Za-z0-9]", "_") + "_";
	}

}
