package io.asynctasq.driver.jdbc;

import javax.sql.DataSource;

/**
 * The JDBC driver against the driver TCK on MariaDB through a pool whose connections are not in
 * auto-commit: what the driver writes is committed by the driver itself.
 */
class MariaDbWithoutAutoCommitJdbcDriverTests extends JdbcDriverContractTests {

	@Override
	protected DataSource dataSource() {
		return TestDatabases.mariaDbWithoutAutoCommit();
	}

	@Override
	protected JdbcDialect expectedDialect() {
		return JdbcDialect.MARIADB;
	}

}
