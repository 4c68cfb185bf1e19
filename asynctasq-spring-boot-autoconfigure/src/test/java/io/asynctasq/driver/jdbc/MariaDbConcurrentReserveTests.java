package io.asynctasq.driver.jdbc;

import javax.sql.DataSource;

/** Eight concurrent consumers and two producers on MariaDB. */
class MariaDbConcurrentReserveTests extends ConcurrentReserveTests {

	@Override
	protected DataSource dataSource() {
		return TestDatabases.mariaDb();
	}

	@Override
	protected JdbcDialect dialect() {
		return JdbcDialect.MARIADB;
	}

}
