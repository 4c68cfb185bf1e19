package io.asynctasq.samples.benchmark;

import java.sql.Connection;
import java.sql.SQLException;

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
