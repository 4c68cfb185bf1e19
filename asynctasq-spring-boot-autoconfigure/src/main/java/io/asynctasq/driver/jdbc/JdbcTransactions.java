package io.asynctasq.driver.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.PreparedStatementSetter;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * Where the JDBC driver's statements run and who commits them: on a connection of the driver's own, in a
 * transaction the driver ends whatever the pool's auto-commit setting, or ({@link #joined}) on the
 * connection of the Spring-managed transaction active on the DataSource, committed with the caller's work.
 */
final class JdbcTransactions {

	/** SQL work on one connection. */
	@FunctionalInterface
	interface Work<T> {

		T run(Connection connection) throws SQLException;

	}

	private final DataSource dataSource;

	/** The first statement of every multi-statement transaction (an isolation level), or {@code null}. */
	private final @Nullable String transactionSetup;

	JdbcTransactions(DataSource dataSource, String transactionSetup) {
		this.dataSource = dataSource;
		this.transactionSetup = transactionSetup;
	}

	/**
	 * Runs one statement (atomic on its own) on a connection of the driver's own and commits it: in
	 * auto-commit the statement did; otherwise one {@code commit}.
	 */
	<T> T statement(Work<T> work) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			return connection.getAutoCommit() ? work.run(connection) : committed(connection, work);
		}
	}

	/**
	 * Runs several statements as one transaction of the driver's own on a connection of its own: committed
	 * when {@code work} returns, rolled back when it throws (the exception is rethrown). A connection in
	 * auto-commit is switched out of it for the transaction and back after.
	 */
	<T> T transaction(Work<T> work) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean restoreAutoCommit = connection.getAutoCommit();
			if (restoreAutoCommit) {
				connection.setAutoCommit(false);
			}
			try {
				return committed(connection, (inTransaction) -> {
					if (this.transactionSetup != null) {
						try (Statement statement = inTransaction.createStatement()) {
							statement.execute(this.transactionSetup);
						}
					}
					return work.run(inTransaction);
				});
			}
			finally {
				if (restoreAutoCommit) {
					connection.setAutoCommit(true);
				}
			}
		}
	}

	/** Runs {@code work} on a connection out of auto-commit and commits it, or rolls it back when it throws. */
	private static <T> T committed(Connection connection, Work<T> work) throws SQLException {
		try {
			T result = work.run(connection);
			connection.commit();
			return result;
		}
		catch (SQLException | RuntimeException | Error ex) {
			rollbackQuietly(connection, ex);
			throw ex;
		}
	}

	/** Runs {@code work} on the connection of the Spring-managed transaction active on the DataSource. */
	<T> T joined(Work<T> work) throws SQLException {
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try {
			return work.run(connection);
		}
		finally {
			DataSourceUtils.releaseConnection(connection, this.dataSource);
		}
	}

	/** Rolls back after {@code failure}; a rollback that fails too is recorded on {@code failure}. */
	private static void rollbackQuietly(Connection connection, Throwable failure) {
		try {
			connection.rollback();
		}
		catch (SQLException | RuntimeException ex) {
			failure.addSuppressed(ex);
		}
	}

	/** Executes an INSERT, UPDATE or DELETE; returns the rows it changed. */
	static int update(Connection connection, String sql, PreparedStatementSetter parameters) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			parameters.setValues(statement);
			return statement.executeUpdate();
		}
	}

	/** Executes a query; returns its rows, each mapped. */
	static <T> List<T> query(Connection connection, String sql, PreparedStatementSetter parameters,
			RowMapper<T> rows) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			parameters.setValues(statement);
			try (ResultSet rs = statement.executeQuery()) {
				List<T> result = new ArrayList<>();
				while (rs.next()) {
					result.add(rows.mapRow(rs, result.size()));
				}
				return result;
			}
		}
	}

}
