package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.driver.jdbc.JdbcSchema;
import io.asynctasq.driver.rabbitmq.RabbitDriver;
import io.asynctasq.driver.rabbitmq.RabbitTestBroker;
import io.asynctasq.driver.redis.RedisDriver;
import org.junit.jupiter.api.Test;

import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.amqp.autoconfigure.RabbitConnectionDetails;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every driver connects with the {@code ConnectionDetails} bean the application has, the way Testcontainers'
 * {@code @ServiceConnection} and Boot's Docker Compose support supply them: here they point at the local
 * servers while the {@code spring.*} connection properties point at a port where nothing listens.
 */
class ServiceConnectionTests {

	private static final String NOWHERE_PORT = "1";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(GreetingConfiguration.class)
		.withPropertyValues("asynctasq.worker.poll-interval=100ms");

	@Test
	void redisDriverConnectsWithTheRedisConnectionDetailsBean() {
		String prefix = "service-connection-" + UUID.randomUUID().toString().substring(0, 8);
		this.runner
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					AsyncTasqRedisAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
			.withBean(DataRedisConnectionDetails.class, LocalRedis::new)
			.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + prefix,
					"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + NOWHERE_PORT)
			.run((context) -> {
				try {
					assertThat(context).hasSingleBean(RedisDriver.class);
					assertGreetingRuns(context);
				}
				finally {
					StringRedisTemplate redis = new StringRedisTemplate(context.getBean(RedisConnectionFactory.class));
					Set<String> keys = redis.keys(prefix + "*");
					if (keys != null && !keys.isEmpty()) {
						redis.delete(keys);
					}
				}
			});
	}

	@Test
	void rabbitDriverConnectsWithTheRabbitConnectionDetailsBean() {
		String prefix = "service-connection-" + UUID.randomUUID().toString().substring(0, 8);
		try {
			this.runner
				.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class,
						AsyncTasqRabbitAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
				.withBean(RabbitConnectionDetails.class, LocalRabbit::new)
				.withPropertyValues("asynctasq.driver=rabbitmq", "asynctasq.rabbitmq.prefix=" + prefix,
						"spring.rabbitmq.host=127.0.0.1", "spring.rabbitmq.port=" + NOWHERE_PORT)
				.run((context) -> {
					assertThat(context).hasSingleBean(RabbitDriver.class);
					assertGreetingRuns(context);
				});
		}
		finally {
			RabbitTestBroker.deleteTopology(prefix, List.of("default"));
		}
	}

	@Test
	void jdbcDriverConnectsWithTheJdbcConnectionDetailsBean() {
		String tablePrefix = "sc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";
		this.runner
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					AsyncTasqJdbcAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
			.withBean(JdbcConnectionDetails.class, LocalPostgres::new)
			.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.jdbc.table-prefix=" + tablePrefix,
					"asynctasq.jdbc.initialize-schema=always",
					"spring.datasource.url=jdbc:postgresql://127.0.0.1:" + NOWHERE_PORT + "/test")
			.run((context) -> {
				try {
					assertGreetingRuns(context);
				}
				finally {
					JdbcSchema.drop(context.getBean(DataSource.class), tablePrefix);
				}
			});
	}

	private static void assertGreetingRuns(ApplicationContext context) {
		context.getBean(TaskDispatcher.class).dispatch(Greetings::greet, "connection details");
		Greetings greetings = context.getBean(Greetings.class);
		await().atMost(Duration.ofSeconds(10)).until(() -> greetings.greeted.contains("connection details"));
	}

	static class Greetings {

		final List<String> greeted = new CopyOnWriteArrayList<>();

		@Task(name = "service-connection.greet")
		void greet(String name) {
			this.greeted.add(name);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GreetingConfiguration {

		@Bean
		Greetings greetings() {
			return new Greetings();
		}

	}

	/** What {@code @ServiceConnection} on a Redis container supplies. */
	static class LocalRedis implements DataRedisConnectionDetails {

		@Override
		public Standalone getStandalone() {
			return Standalone.of("127.0.0.1", 6379);
		}

	}

	/** What {@code @ServiceConnection} on a RabbitMQ container supplies. */
	static class LocalRabbit implements RabbitConnectionDetails {

		@Override
		public String getUsername() {
			return "guest";
		}

		@Override
		public String getPassword() {
			return "guest";
		}

		@Override
		public List<Address> getAddresses() {
			return List.of(new Address("127.0.0.1", 5672));
		}

	}

	/** What {@code @ServiceConnection} on a PostgreSQL container supplies. */
	static class LocalPostgres implements JdbcConnectionDetails {

		@Override
		public String getUsername() {
			return "postgres";
		}

		@Override
		public String getPassword() {
			return "";
		}

		@Override
		public String getJdbcUrl() {
			return "jdbc:postgresql://127.0.0.1:5432/test";
		}

	}

}
