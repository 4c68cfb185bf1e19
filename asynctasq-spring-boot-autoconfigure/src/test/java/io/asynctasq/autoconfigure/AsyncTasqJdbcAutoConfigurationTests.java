package io.asynctasq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import javax.sql.DataSource;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** Wiring of the JDBC driver: selection by property, schema initialization modes, prefix validation. */
class AsyncTasqJdbcAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
				AsyncTasqJdbcAutoConfiguration.class, AsyncTasqAutoConfiguration.class,
				AsyncTasqTransactionAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.enabled=false",
				"spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
				"spring.datasource.username=sa");

	@Test
	void jdbcDriverOnTheDataSourceWithTheSchemaOfAnEmbeddedDatabase() {
		this.runner.withPropertyValues("asynctasq.driver=jdbc").run((context) -> {
			assertThat(context).hasSingleBean(QueueDriver.class).hasSingleBean(AsyncTasqJdbcSchemaInitializer.class);
			JdbcDriver driver = context.getBean(JdbcDriver.class);
			assertThat(driver.dialect()).isEqualTo(JdbcDialect.H2);
			assertThat(driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
		});
	}

	@Test
	void initializeSchemaNeverLeavesTheDatabaseAlone() {
		this.runner.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.jdbc.initialize-schema=never",
				"asynctasq.jdbc.table-prefix=never_created_").run((context) -> {
					assertThat(context).hasNotFailed();
					assertThatThrownBy(() -> context.getBean(QueueDriver.class).counts("default"))
						.isInstanceOf(DriverException.class)
						.hasMessageContaining("could not count queue 'default'")
						.hasMessageContaining("not found");
				});
	}

	@Test
	void tablePrefixIsApplied() {
		this.runner.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.jdbc.table-prefix=billing_jobs_")
			.run((context) -> {
				assertThat(context.getBean(JdbcDriver.class).counts("default")).isEqualTo(QueueCounts.EMPTY);
				Integer tables = new org.springframework.jdbc.core.JdbcTemplate(context.getBean(javax.sql.DataSource.class))
					.queryForObject("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) IN "
							+ "('billing_jobs_tasks', 'billing_jobs_dead_letters')", Integer.class);
				assertThat(tables).isEqualTo(2);
			});
	}

	@Test
	void unsafeTablePrefixStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.jdbc.table-prefix=x; DROP TABLE users")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Invalid table prefix 'x; DROP TABLE users'"));
		this.runner.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.jdbc.table-prefix=x; DROP TABLE users")
			.run((context) -> assertThat(context.getStartupFailure()).hasMessageContaining("asynctasq.jdbc"));
	}

	@Test
	void withoutADataSourceStartupStopsSayingSo() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqJdbcAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.worker.enabled=false")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("asynctasq.driver")
				.hasMessageContaining("The jdbc driver needs exactly one DataSource bean"));
	}

	@Test
	void otherDriversIgnoreTheDataSource() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(QueueDriver.class).doesNotHaveBean(AsyncTasqJdbcSchemaInitializer.class);
			assertThat(context.getBean(QueueDriver.class)).isInstanceOf(MemoryDriver.class);
		});
	}

	@Test
	void anApplicationDriverWins() {
		this.runner.withPropertyValues("asynctasq.driver=jdbc")
			.withBean("myDriver", QueueDriver.class, MemoryDriver::new)
			.run((context) -> assertThat(context.getBean(QueueDriver.class)).isInstanceOf(MemoryDriver.class));
	}


	@Test
	void theDataSourceMarkedAsyncTasqDataSourceIsUsedAmongSeveral() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqJdbcAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withUserConfiguration(TwoDataSources.class)
			.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.worker.enabled=false",
					"asynctasq.jdbc.initialize-schema=always")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				context.getBean(TaskDispatcher.class).dispatch("anything");
				assertThat(tasks(context.getBean("jobsDataSource", DataSource.class))).isEqualTo(1);
				assertThat(tableCount(context.getBean("appDataSource", DataSource.class))).isZero();
			});
	}

	@Test
	void severalDataSourcesWithoutAMarkOrAPrimaryStopStartupSayingWhichToMark() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqJdbcAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withBean("one", DataSource.class, () -> h2("one"))
			.withBean("two", DataSource.class, () -> h2("two"))
			.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.worker.enabled=false")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("@AsyncTasqDataSource"));
	}

	private static Integer tasks(DataSource dataSource) {
		return new JdbcTemplate(dataSource)
			.queryForObject("SELECT COUNT(*) FROM asynctasq_tasks", Integer.class);
	}

	private static Integer tableCount(DataSource dataSource) {
		return new JdbcTemplate(dataSource).queryForObject(
				"SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) LIKE 'asynctasq_%'",
				Integer.class);
	}

	static DataSource h2(String name) {
		return new DriverManagerDataSource("jdbc:h2:mem:" + name + "-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa",
				"");
	}

	@Configuration(proxyBeanMethods = false)
	static class TwoDataSources {

		@Bean
		@Primary
		DataSource appDataSource() {
			return h2("app");
		}

		@Bean
		@AsyncTasqDataSource
		DataSource jobsDataSource() {
			return h2("jobs");
		}

	}

}
