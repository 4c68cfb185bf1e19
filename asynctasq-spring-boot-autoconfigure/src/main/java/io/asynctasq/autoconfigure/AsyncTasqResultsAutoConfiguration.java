package io.asynctasq.autoconfigure;

import javax.sql.DataSource;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.inspection.TaskResultStore;

import org.springframework.beans.factory.ObjectProvider;
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
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Where task results are kept when {@code asynctasq.results.enabled} is set: the {@link TaskResultStore} on
 * the queue driver ({@code asynctasq.results.store=driver}, the default), or on a JDBC or Redis driver built on
 * the application's DataSource or RedisConnectionFactory and used only for results ({@code jdbc}, {@code redis};
 * with {@code asynctasq.jdbc.*} or {@code asynctasq.redis.*} for its tables or keys), for a queue driver that
 * stores none (RabbitMQ).
 */
@AutoConfiguration(before = AsyncTasqAutoConfiguration.class,
		afterName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration" })
@ConditionalOnProperty(name = "asynctasq.results.enabled", havingValue = "true")
@EnableConfigurationProperties(AsyncTasqResultsProperties.class)
public final class AsyncTasqResultsAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "asynctasq.results.store", havingValue = "driver", matchIfMissing = true)
	static class InQueueDriver {

		@Bean
		@ConditionalOnMissingBean
		TaskResultStore asyncTasqTaskResultStore(QueueDriver driver) {
			return inQueueDriver(driver);
		}

	}

	/**
	 * The store on the queue driver.
	 * @throws InvalidAsyncTasqPropertyException when the driver does not store results
	 */
	static TaskResultStore inQueueDriver(QueueDriver driver) {
		if (!driver.storesResults()) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.results.enabled", true,
					"The " + driver.name() + " driver does not store task results.",
					"Set asynctasq.results.store to jdbc or redis to keep them in the application's DataSource or "
							+ "Redis, use a driver that stores results (memory, redis or jdbc), or set "
							+ "asynctasq.results.enabled to false.");
		}
		return TaskResultStore.inQueueDriver(driver);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ DataSource.class, JdbcTemplate.class, DataSourceScriptDatabaseInitializer.class })
	@ConditionalOnProperty(name = "asynctasq.results.store", havingValue = "jdbc")
	@EnableConfigurationProperties(AsyncTasqJdbcProperties.class)
	static class InDataSource {

		@Configuration(proxyBeanMethods = false)
		@Conditional(AsyncTasqJdbcAutoConfiguration.AsyncTasqDataSourceAvailable.class)
		@Import(DatabaseInitializationDependencyConfigurer.class)
		static class Store {

			@Bean
			@ConditionalOnMissingBean
			AsyncTasqJdbcSchemaInitializer asyncTasqJdbcSchemaInitializer(
					@AsyncTasqDataSource ObjectProvider<DataSource> asyncTasqDataSource,
					ObjectProvider<DataSource> dataSource, AsyncTasqJdbcProperties properties) {
				return new AsyncTasqJdbcSchemaInitializer(
						AsyncTasqJdbcAutoConfiguration.dataSource(asyncTasqDataSource, dataSource),
						properties.getInitializeSchema(), properties.getTablePrefix());
			}

			@Bean
			@ConditionalOnMissingBean
			@DependsOnDatabaseInitialization
			TaskResultStore asyncTasqTaskResultStore(@AsyncTasqDataSource ObjectProvider<DataSource> asyncTasqDataSource,
					ObjectProvider<DataSource> dataSource, AsyncTasqJdbcProperties properties) {
				return TaskResultStore.inOwnDriver(new JdbcDriver(
						AsyncTasqJdbcAutoConfiguration.dataSource(asyncTasqDataSource, dataSource), properties.toOptions()));
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedisConnectionFactory.class)
	@ConditionalOnProperty(name = "asynctasq.results.store", havingValue = "redis")
	@EnableConfigurationProperties(AsyncTasqRedisProperties.class)
	static class InRedis {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
		TaskResultStore asyncTasqTaskResultStore(RedisConnectionFactory factory, AsyncTasqRedisProperties properties) {
			return TaskResultStore.inOwnDriver(
					new RedisDriver(factory, properties.getKeyPrefix(), properties.getClientName()));
		}

	}

}
