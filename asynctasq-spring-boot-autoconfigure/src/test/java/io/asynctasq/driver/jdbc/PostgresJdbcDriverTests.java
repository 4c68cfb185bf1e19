package io.asynctasq.driver.jdbc;

import javax.sql.DataSource;

/** The JDBC driver against the driver TCK on Postgres. */
class PostgresJdbcDriverTests extends JdbcDriverContractTests {

	@Override
	protected DataSource dataSource() {
		return TestDatabases.postgres();
	}

	@Override
	protected JdbcDialect expectedDialect() {
		return JdbcDialect.POSTGRESQL;
	}

}
