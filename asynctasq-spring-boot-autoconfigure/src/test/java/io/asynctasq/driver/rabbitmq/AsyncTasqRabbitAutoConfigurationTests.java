package io.asynctasq.driver.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import com.rabbitmq.client.Channel;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRabbitAutoConfiguration;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.memory.MemoryDriver;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@code asynctasq.driver=rabbitmq} wiring, on the broker at 127.0.0.1:5672. */
class AsyncTasqRabbitAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, AsyncTasqRabbitAutoConfiguration.class,
				AsyncTasqAutoConfiguration.class))
		.withPropertyValues("spring.rabbitmq.host=" + RabbitTestBroker.HOST, "asynctasq.worker.enabled=false");

	@Test
	void rabbitmqSelectedUsesTheApplicationsConnectionFactoryAndDeclaresTheTopologyAtStartup() throws Exception {
		String prefix = RabbitTestBroker.newPrefix();
		try {
			this.runner
				.withPropertyValues("asynctasq.driver=rabbitmq", "asynctasq.rabbitmq.prefix=" + prefix,
						"asynctasq.rabbitmq.queue-type=classic", "asynctasq.rabbitmq.confirm-timeout=3s",
						"asynctasq.rabbitmq.prefetch=7", "asynctasq.worker.queues=critical,default")
				.run((context) -> {
					assertThat(context).hasSingleBean(QueueDriver.class);
					RabbitDriver driver = context.getBean(RabbitDriver.class);
					assertThat(driver.name()).isEqualTo("rabbitmq");
					assertThat(driver.topology().exchange()).isEqualTo(prefix);
					try (Channel channel = context.getBean(ConnectionFactory.class).createConnection()
						.createChannel(false)) {
						for (String queue : List.of("critical", "default")) {
							for (String name : driver.topology().allQueues(queue)) {
								channel.queueDeclarePassive(name);
							}
						}
					}
				});
		}
		finally {
			RabbitTestBroker.deleteTopology(prefix, List.of("critical", "default"));
		}
	}

	@Test
	void deadLetterRetentionBecomesThePerMessageExpirationOfDeadLetters() {
		String prefix = RabbitTestBroker.newPrefix();
		try {
			this.runner.withPropertyValues("asynctasq.driver=rabbitmq", "asynctasq.rabbitmq.prefix=" + prefix,
					"asynctasq.dead-letter.retention=2s")
				.run((context) -> {
					QueueDriver driver = DriverFacade.of(context.getBean(QueueDriver.class));
					assertThat(driver.expiresDeadLettersItself()).isTrue();
					TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), "default", new byte[] { 1 },
							Instant.now());
					driver.enqueue(message, Duration.ZERO);
					AtomicReference<Reservation> reserved = new AtomicReference<>();
					Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
						List<Reservation> batch = driver.reserve(List.of("default"), 1, Duration.ofSeconds(30),
								Duration.ofMillis(200));
						reserved.set(batch.isEmpty() ? null : batch.get(0));
						return !batch.isEmpty();
					});
					assertThat(driver.deadLetter(reserved.get(), DeadLetter.Failure.of("failed"))).isTrue();
					assertThat(driver.deadLetters("default", 0, 10)).extracting(DeadLetter::id)
						.containsExactly(message.id());
					// the broker drops it once the retention passed, with no one asking
					Awaitility.await().atMost(Duration.ofSeconds(20))
						.until(() -> driver.counts("default").deadLettered() == 0);
				});
		}
		finally {
			RabbitTestBroker.deleteTopology(prefix, List.of("default"));
		}
	}

	@Test
	void withoutRetentionDeadLettersAreKeptByTheBroker() {
		this.runner.withPropertyValues("asynctasq.driver=rabbitmq", "asynctasq.rabbitmq.prefix=" + RabbitTestBroker.newPrefix())
			.run((context) -> assertThat(context.getBean(RabbitDriver.class).expiresDeadLettersItself()).isFalse());
	}

	@Test
	void memoryStaysTheDefault() {
		this.runner.run((context) -> assertThat(context).getBean(QueueDriver.class).isInstanceOf(MemoryDriver.class));
	}

	@Test
	void anApplicationDriverWins() {
		this.runner.withPropertyValues("asynctasq.driver=rabbitmq")
			.withUserConfiguration(OwnDriver.class)
			.run((context) -> assertThat(context).getBean(QueueDriver.class).isSameAs(OwnDriver.DRIVER));
	}

	@Test
	void withoutSpringAmqpTheDriverIsReportedMissing() {
		this.runner.withPropertyValues("asynctasq.driver=rabbitmq")
			.withClassLoader(new FilteredClassLoader(ConnectionFactory.class))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("asynctasq.driver")
				.hasMessageContaining("add spring-boot-starter-amqp"));
	}

	@Test
	void anInvalidPrefixStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("asynctasq.driver=rabbitmq", "asynctasq.rabbitmq.prefix=bad prefix")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("asynctasq.rabbitmq.prefix"));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnDriver {

		static final QueueDriver DRIVER = new MemoryDriver();

		@Bean
		QueueDriver ownDriver() {
			return DRIVER;
		}

	}

}
