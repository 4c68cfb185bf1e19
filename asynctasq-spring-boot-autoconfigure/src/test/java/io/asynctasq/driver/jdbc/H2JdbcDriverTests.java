package io.asynctasq.driver.jdbc;

import javax.sql.DataSource;

/** The JDBC driver against the driver TCK on H2. */
class H2JdbcDriverTests extends JdbcDriverContractTests {

	@Override
	protected DataSource dataSource() {
		return TestDatabases.h2();
	}

	@Override
	protected JdbcDialect expectedDialect() {
		return JdbcDialect.H2;
	}

}
