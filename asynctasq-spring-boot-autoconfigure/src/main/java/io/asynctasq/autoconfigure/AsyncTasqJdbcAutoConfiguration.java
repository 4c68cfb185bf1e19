package io.asynctasq.autoconfigure;

import javax.sql.DataSource;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDriver;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The JDBC driver ({@code asynctasq.driver=jdbc}) on the DataSource marked {@link AsyncTasqDataSource}, else
 * the application's single (or {@code @Primary}) DataSource, and its schema initializer
 * ({@code asynctasq.jdbc.*}). Runs before {@link AsyncTasqAutoConfiguration}, whose {@link QueueDriver} bean
 * then backs off. Without such a DataSource, startup stops with a message saying so.
 */
@AutoConfiguration(before = AsyncTasqAutoConfiguration.class,
		afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass({ DataSource.class, JdbcTemplate.class, DataSourceScriptDatabaseInitializer.class })
@ConditionalOnProperty(name = "asynctasq.driver", havingValue = "jdbc")
@EnableConfigurationProperties(AsyncTasqJdbcProperties.class)
public final class AsyncTasqJdbcAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@Conditional(AsyncTasqDataSourceAvailable.class)
	@Import(DatabaseInitializationDependencyConfigurer.class)
	static class JdbcDriverConfiguration {

		@Bean
		@ConditionalOnMissingBean
		AsyncTasqJdbcSchemaInitializer asyncTasqJdbcSchemaInitializer(
				@AsyncTasqDataSource ObjectProvider<DataSource> asyncTasqDataSource,
				ObjectProvider<DataSource> dataSource, AsyncTasqJdbcProperties properties) {
			return new AsyncTasqJdbcSchemaInitializer(dataSource(asyncTasqDataSource, dataSource),
					properties.getInitializeSchema(), properties.getTablePrefix());
		}

		@Bean
		@ConditionalOnMissingBean(QueueDriver.class)
		@DependsOnDatabaseInitialization
		JdbcDriver asyncTasqJdbcQueueDriver(@AsyncTasqDataSource ObjectProvider<DataSource> asyncTasqDataSource,
				ObjectProvider<DataSource> dataSource, AsyncTasqJdbcProperties properties) {
			return new JdbcDriver(dataSource(asyncTasqDataSource, dataSource), properties.toOptions());
		}

	}

	/** The DataSource marked {@link AsyncTasqDataSource}, else the single (or primary) one. */
	static DataSource dataSource(ObjectProvider<DataSource> asyncTasqDataSource, ObjectProvider<DataSource> dataSource) {
		return asyncTasqDataSource.getIfAvailable(dataSource::getObject);
	}

	/** A DataSource marked {@link AsyncTasqDataSource}, or a single (or primary) one. */
	static final class AsyncTasqDataSourceAvailable extends AnyNestedCondition {

		AsyncTasqDataSourceAvailable() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBean(value = DataSource.class, annotation = AsyncTasqDataSource.class)
		static final class Qualified {

		}

		@ConditionalOnSingleCandidate(DataSource.class)
		static final class Single {

		}

	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(NoSingleDataSource.class)
	static class MissingDataSourceConfiguration {

		@Bean
		@ConditionalOnMissingBean(QueueDriver.class)
		QueueDriver asyncTasqJdbcQueueDriver() {
			throw new InvalidAsyncTasqPropertyException("asynctasq.driver", "jdbc",
					"The jdbc driver needs exactly one DataSource bean (or one marked @Primary) and found none or "
							+ "several: set spring.datasource.url (with spring-boot-starter-jdbc and your database's "
							+ "JDBC driver on the classpath), or mark the DataSource to use @AsyncTasqDataSource or "
							+ "@Primary.",
					"Set spring.datasource.url (with spring-boot-starter-jdbc and your database's JDBC driver on "
							+ "the classpath), mark the DataSource AsyncTasQ should use @AsyncTasqDataSource (or "
							+ "@Primary), or set asynctasq.driver to another driver.");
		}

	}

	static final class NoSingleDataSource extends NoneNestedConditions {

		NoSingleDataSource() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBean(value = DataSource.class, annotation = AsyncTasqDataSource.class)
		static final class QualifiedDataSource {

		}

		@ConditionalOnSingleCandidate(DataSource.class)
		static final class SingleDataSource {

		}

	}

}
