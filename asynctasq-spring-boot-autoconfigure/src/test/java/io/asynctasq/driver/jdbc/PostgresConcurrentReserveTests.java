package io.asynctasq.driver.jdbc;

import javax.sql.DataSource;

/** Eight concurrent consumers and two producers on Postgres. */
class PostgresConcurrentReserveTests extends ConcurrentReserveTests {

	@Override
	protected DataSource dataSource() {
		return TestDatabases.postgres();
	}

	@Override
	protected JdbcDialect dialect() {
		return JdbcDialect.POSTGRESQL;
	}

}
