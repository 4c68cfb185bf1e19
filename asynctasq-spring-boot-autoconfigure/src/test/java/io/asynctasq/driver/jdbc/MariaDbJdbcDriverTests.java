package io.asynctasq.driver.jdbc;

import javax.sql.DataSource;

/** The JDBC driver against the driver TCK on MariaDB. */
class MariaDbJdbcDriverTests extends JdbcDriverContractTests {

	@Override
	protected DataSource dataSource() {
		return TestDatabases.mariaDb();
	}

	@Override
	protected JdbcDialect expectedDialect() {
		return JdbcDialect.MARIADB;
	}

}
