package io.asynctasq.driver.jdbc;

import java.util.List;

import javax.sql.DataSource;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;

/** The driver TCK on one database: each test gets its own tables (prefix from the namespace), dropped after it. */
abstract class JdbcDriverContractTests extends QueueDriverContractTests {

	protected abstract DataSource dataSource();

	protected abstract JdbcDialect expectedDialect();

	@Override
	protected QueueDriver createDriver(String namespace) {
		String prefix = TestDatabases.prefixOf(namespace);
		JdbcSchema.create(dataSource(), expectedDialect(), prefix);
		JdbcDriver driver = new JdbcDriver(dataSource(), JdbcDriverOptions.defaults().withTablePrefix(prefix));
		if (driver.dialect() != expectedDialect()) {
			throw new IllegalStateException("detected " + driver.dialect() + ", expected " + expectedDialect());
		}
		return driver;
	}

	@Override
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
		JdbcSchema.drop(dataSource(), TestDatabases.prefixOf(namespace));
	}

}
