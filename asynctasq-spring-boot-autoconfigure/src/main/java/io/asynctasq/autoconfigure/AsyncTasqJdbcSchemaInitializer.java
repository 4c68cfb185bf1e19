package io.asynctasq.autoconfigure;

import java.util.List;

import javax.sql.DataSource;

import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcSchema;

import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;

/**
 * Creates the JDBC driver's tables at startup, per {@code asynctasq.jdbc.initialize-schema}, the way
 * Spring Batch and Quartz do: as a {@link DataSourceScriptDatabaseInitializer}, so Spring Boot orders it
 * with the application's other database initializers (Flyway, Liquibase, {@code spring.sql.init}) and
 * creates beans that depend on database initialization (the driver) after it. The script is the
 * detected dialect's, with the configured table prefix.
 */
public class AsyncTasqJdbcSchemaInitializer extends DataSourceScriptDatabaseInitializer {

	private final JdbcDialect dialect;

	private final String tablePrefix;

	public AsyncTasqJdbcSchemaInitializer(DataSource dataSource, DatabaseInitializationMode mode, String tablePrefix) {
		this(dataSource, mode, tablePrefix, (mode != DatabaseInitializationMode.NEVER)
				? JdbcSchema.dialectOf(dataSource) : null);
	}

	private AsyncTasqJdbcSchemaInitializer(DataSource dataSource, DatabaseInitializationMode mode, String tablePrefix,
			JdbcDialect dialect) {
		super(dataSource, settings(mode, dialect));
		this.dialect = dialect;
		this.tablePrefix = tablePrefix;
	}

	private static DatabaseInitializationSettings settings(DatabaseInitializationMode mode, JdbcDialect dialect) {
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setMode(mode);
		settings.setSchemaLocations((dialect != null) ? List.of(dialect.schemaLocation()) : List.of());
		return settings;
	}

	@Override
	protected void runScripts(Scripts scripts) {
		JdbcSchema.create(getDataSource(), this.dialect, this.tablePrefix);
	}

}
