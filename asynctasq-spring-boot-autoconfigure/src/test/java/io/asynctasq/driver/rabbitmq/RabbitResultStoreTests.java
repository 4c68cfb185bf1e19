package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRabbitAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqResultsAutoConfiguration;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.inspection.TaskResultStore;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RabbitMQ driver stores no results: with {@code asynctasq.results.store} set, they go to the
 * application's DataSource or Redis through a driver used only for them; without it, enabling results stops
 * startup saying so.
 */
class RabbitResultStoreTests {

	private final String prefix = RabbitTestBroker.newPrefix();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, DataSourceAutoConfiguration.class,
				DataRedisAutoConfiguration.class, AsyncTasqRabbitAutoConfiguration.class,
				AsyncTasqResultsAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
		.withBean(Adder.class)
		.withPropertyValues("spring.rabbitmq.host=" + RabbitTestBroker.HOST, "asynctasq.driver=rabbitmq",
				"asynctasq.rabbitmq.prefix=" + this.prefix, "asynctasq.rabbitmq.queue-type=classic",
				"asynctasq.results.enabled=true", "asynctasq.worker.poll-interval=100ms");

	@Test
	void resultsGoToTheApplicationsDataSource() {
		try {
			this.runner
				.withPropertyValues("asynctasq.results.store=jdbc",
						"spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
						"spring.datasource.username=sa")
				.run((context) -> assertSucceededTaskIsRecorded(context, "jdbc"));
		}
		finally {
			RabbitTestBroker.deleteTopology(this.prefix, List.of("default"));
		}
	}

	@Test
	void resultsGoToTheApplicationsRedis() {
		String keyPrefix = "results-" + UUID.randomUUID().toString().substring(0, 8);
		try {
			this.runner
				.withPropertyValues("asynctasq.results.store=redis", "spring.data.redis.host=127.0.0.1",
						"spring.data.redis.port=6379", "asynctasq.redis.key-prefix=" + keyPrefix)
				.run((context) -> {
					try {
						assertSucceededTaskIsRecorded(context, "redis");
					}
					finally {
						RedisTestSupport.deleteKeys(context.getBean(LettuceConnectionFactory.class), keyPrefix);
					}
				});
		}
		finally {
			RabbitTestBroker.deleteTopology(this.prefix, List.of("default"));
		}
	}

	@Test
	void resultsInTheQueueDriverStopStartup() {
		try {
			this.runner.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("asynctasq.results.enabled")
					.hasStackTraceContaining("The rabbitmq driver does not store task results");
			});
		}
		finally {
			RabbitTestBroker.deleteTopology(this.prefix, List.of("default"));
		}
	}

	@Test
	void aStoreWithoutItsConnectionStopsStartup() {
		try {
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class,
						AsyncTasqRabbitAutoConfiguration.class, AsyncTasqResultsAutoConfiguration.class,
						AsyncTasqAutoConfiguration.class))
				.withPropertyValues("spring.rabbitmq.host=" + RabbitTestBroker.HOST, "asynctasq.driver=rabbitmq",
						"asynctasq.rabbitmq.prefix=" + this.prefix, "asynctasq.results.enabled=true",
						"asynctasq.results.store=jdbc")
				.run((context) -> {
					assertThat(context).hasFailed();
					assertThat(context.getStartupFailure()).hasStackTraceContaining("asynctasq.results.store")
						.hasStackTraceContaining("DataSource");
				});
		}
		finally {
			RabbitTestBroker.deleteTopology(this.prefix, List.of("default"));
		}
	}

	private static void assertSucceededTaskIsRecorded(ApplicationContext context, String store) {
		TaskResultStore results = context.getBean(TaskResultStore.class);
		assertThat(results.isSeparate()).isTrue();
		assertThat(results.driver().name()).isEqualTo(store);
		String id = context.getBean(TaskDispatcher.class).dispatch("rabbit.add", 2, 3);

		TaskResult result = Awaitility.await()
			.atMost(Duration.ofSeconds(20))
			.until(() -> results.result(id).orElse(null), (recorded) -> recorded != null);
		assertThat(result.outcome()).isEqualTo(TaskResult.Outcome.SUCCEEDED);
		assertThat(result.valueJson()).isEqualTo("5");
		assertThat(result.queue()).isEqualTo("default");
	}

	static class Adder {

		@Task(name = "rabbit.add")
		public int add(int a, int b) {
			return a + b;
		}

	}

}
