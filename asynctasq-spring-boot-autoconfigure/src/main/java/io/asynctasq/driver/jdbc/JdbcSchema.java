package io.asynctasq.driver.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import io.asynctasq.driver.DriverException;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.springframework.jdbc.datasource.init.ScriptUtils;
import org.springframework.util.StreamUtils;

/**
 * The driver's DDL: the dialect's script ({@link JdbcDialect#schemaLocation()}), its default prefix
 * {@value JdbcDriverOptions#DEFAULT_TABLE_PREFIX} replaced by the configured one. Every statement is
 * idempotent, so creating the schema again is harmless.
 */
public final class JdbcSchema {

	private JdbcSchema() {
	}

	/** The dialect's script with {@code tablePrefix} in place of the default prefix. */
	public static String script(JdbcDialect dialect, String tablePrefix) {
		JdbcDriverOptions.validateTablePrefix(tablePrefix);
		Resource resource = new DefaultResourceLoader(JdbcSchema.class.getClassLoader())
			.getResource(dialect.schemaLocation());
		try {
			String sql = StreamUtils.copyToString(resource.getInputStream(), StandardCharsets.UTF_8);
			return sql.replace(JdbcDriverOptions.DEFAULT_TABLE_PREFIX, tablePrefix);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + dialect.schemaLocation(), ex);
		}
	}

	/**
	 * Creates the driver's tables and indexes when missing, on a connection of its own, committed whatever
	 * the pool's auto-commit setting. A queue totals table created next to tables of an earlier version is
	 * filled from their rows (the script's last statement).
	 */
	public static void create(DataSource dataSource, JdbcDialect dialect, String tablePrefix) {
		Resource script = new ByteArrayResource(script(dialect, tablePrefix).getBytes(StandardCharsets.UTF_8),
				dialect.schemaLocation());
		try {
			new JdbcTransactions(dataSource, null).statement((connection) -> {
				ScriptUtils.executeSqlScript(connection, script);
				return null;
			});
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot create the tables with prefix " + tablePrefix, ex);
		}
	}

	/** Drops the driver's tables (tests, uninstall), committed whatever the pool's auto-commit setting. */
	public static void drop(DataSource dataSource, String tablePrefix) {
		JdbcDriverOptions.validateTablePrefix(tablePrefix);
		try {
			new JdbcTransactions(dataSource, null).statement((connection) -> {
				try (Statement statement = connection.createStatement()) {
					statement.execute("DROP TABLE IF EXISTS " + tablePrefix + "tasks");
					statement.execute("DROP TABLE IF EXISTS " + tablePrefix + "dead_letters");
					statement.execute("DROP TABLE IF EXISTS " + tablePrefix + "queue_counts");
					statement.execute("DROP TABLE IF EXISTS " + tablePrefix + "results");
					statement.execute("DROP TABLE IF EXISTS " + tablePrefix + "workers");
				}
				return null;
			});
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot drop the tables with prefix " + tablePrefix, ex);
		}
	}

	/** Detects the dialect of {@code dataSource}. */
	public static JdbcDialect dialectOf(DataSource dataSource) {
		try (Connection connection = dataSource.getConnection()) {
			return JdbcDialect.detect(connection);
		}
		catch (SQLException ex) {
			throw new DriverException("Cannot connect to detect the database: " + ex.getMessage(),
					ex);
		}
	}

}
