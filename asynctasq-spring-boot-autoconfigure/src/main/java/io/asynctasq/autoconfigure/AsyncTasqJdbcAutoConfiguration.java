package io.asynctasq.autoconfigure;

import javax.sql.DataSource;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDriver;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The JDBC driver ({@code asynctasq.driver=jdbc}) on the application's single DataSource, and its
 * schema initializer ({@code asynctasq.jdbc.*}). Runs before {@link AsyncTasqAutoConfiguration}, whose
 * {@link QueueDriver} bean then backs off.
 */
@AutoConfiguration(before = AsyncTasqAutoConfiguration.class,
		afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass({ DataSource.class, JdbcTemplate.class, DataSourceScriptDatabaseInitializer.class })
@ConditionalOnProperty(name = "asynctasq.driver", havingValue = "jdbc")
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(AsyncTasqJdbcProperties.class)
@Import(DatabaseInitializationDependencyConfigurer.class)
public final class AsyncTasqJdbcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	AsyncTasqJdbcSchemaInitializer asyncTasqJdbcSchemaInitializer(DataSource dataSource,
			AsyncTasqJdbcProperties properties) {
		return new AsyncTasqJdbcSchemaInitializer(dataSource, properties.getInitializeSchema(),
				properties.getTablePrefix());
	}

	@Bean
	@ConditionalOnMissingBean(QueueDriver.class)
	@DependsOnDatabaseInitialization
	JdbcDriver asyncTasqJdbcQueueDriver(DataSource dataSource, AsyncTasqJdbcProperties properties) {
		return new JdbcDriver(dataSource, properties.toOptions());
	}

}
