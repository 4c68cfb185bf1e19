package io.asynctasq.samples.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

import com.zaxxer.hikari.HikariDataSource;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.jdbc.JdbcDriverOptions;
import io.asynctasq.driver.jdbc.JdbcSchema;

/** The JDBC driver on the local PostgreSQL or MariaDB database {@code test}, in tables of its own, dropped after. */
final class JdbcSetup implements DriverSetup {

	private final String label;

	private final String tablePrefix = "bench" + ProcessHandle.current().pid() + "_";

	private final HikariDataSource dataSource = new HikariDataSource();

	private final JdbcDialect dialect;

	private JdbcSetup(String label, String url, String user) {
		this.label = label;
		this.dataSource.setJdbcUrl(url);
		this.dataSource.setUsername(user);
		this.dataSource.setMaximumPoolSize(20);
		this.dialect = JdbcSchema.dialectOf(this.dataSource);
		JdbcSchema.create(this.dataSource, this.dialect, this.tablePrefix);
	}

	static JdbcSetup postgres() {
		return new JdbcSetup("postgresql", "jdbc:postgresql://127.0.0.1:5432/test", "postgres");
	}

	static JdbcSetup mariadb() {
		return new JdbcSetup("mariadb", "jdbc:mariadb://127.0.0.1:3306/test", "root");
	}

	@Override
	public String label() {
		return this.label;
	}

	@Override
	public String versions() {
		try (Connection connection = this.dataSource.getConnection()) {
			return connection.getMetaData().getDatabaseProductName() + " "
					+ connection.getMetaData().getDatabaseProductVersion() + ", " + connection.getMetaData().getDriverName()
					+ " " + connection.getMetaData().getDriverVersion() + ", HikariCP pool of "
					+ this.dataSource.getMaximumPoolSize();
		}
		catch (SQLException ex) {
			return "unknown (" + ex.getMessage() + ")";
		}
	}

	@Override
	public QueueDriver createDriver() {
		return new JdbcDriver(this.dataSource,
				JdbcDriverOptions.defaults().withTablePrefix(this.tablePrefix).withDialect(this.dialect));
	}

	/**
	 * A claim of {@value RawLimit#CLAIM_BATCH} rows with {@code FOR UPDATE SKIP LOCKED} and their delete, in one
	 * transaction per claim, on a pooled connection per thread.
	 */
	@Override
	public OptionalDouble rawLimit(int tasks) throws Exception {
		String table = this.tablePrefix + "raw";
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, body VARCHAR(100) NOT NULL)");
			try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
				for (int i = 1; i <= tasks; i++) {
					insert.setLong(1, i);
					insert.setString(2, "{\"v\":1}");
					insert.addBatch();
					if (i % 1000 == 0 || i == tasks) {
						insert.executeBatch();
					}
				}
			}
		}
		String claim = "SELECT id, body FROM " + table + " ORDER BY id LIMIT " + RawLimit.CLAIM_BATCH
				+ " FOR UPDATE SKIP LOCKED";
		try {
			return OptionalDouble.of(RawLimit.perSecond(tasks, () -> {
				try (Connection connection = this.dataSource.getConnection()) {
					connection.setAutoCommit(false);
					List<Long> ids = new ArrayList<>();
					try (Statement select = connection.createStatement(); ResultSet rows = select.executeQuery(claim)) {
						while (rows.next()) {
							ids.add(rows.getLong(1));
						}
					}
					if (!ids.isEmpty()) {
						try (Statement delete = connection.createStatement()) {
							delete.executeUpdate("DELETE FROM " + table + " WHERE id IN ("
									+ ids.stream().map(String::valueOf).collect(Collectors.joining(",")) + ")");
						}
					}
					connection.commit();
					connection.setAutoCommit(true);
					return ids.size();
				}
				catch (SQLTransactionRollbackException ex) {
					// InnoDB's gap locks can deadlock two claims: run it again, as the driver does
					return 1;
				}
			}));
		}
		finally {
			try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
				statement.execute("DROP TABLE " + table);
			}
		}
	}

	@Override
	public void close() {
		try {
			JdbcSchema.drop(this.dataSource, this.tablePrefix);
		}
		finally {
			this.dataSource.close();
		}
	}

}
