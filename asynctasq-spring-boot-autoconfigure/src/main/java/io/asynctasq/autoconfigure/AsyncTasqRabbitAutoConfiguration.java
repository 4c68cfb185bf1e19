package io.asynctasq.autoconfigure;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.rabbitmq.RabbitDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The RabbitMQ driver, when {@code asynctasq.driver=rabbitmq} and Spring AMQP is on the classpath: it
 * uses the application's {@link ConnectionFactory} ({@code spring.rabbitmq.*}) and declares the
 * topology of the worker's queues and the default queue at startup. Backs off when the application
 * defines its own {@link QueueDriver}.
 */
@AutoConfiguration(before = AsyncTasqAutoConfiguration.class,
		afterName = "org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration")
@ConditionalOnClass({ ConnectionFactory.class, com.rabbitmq.client.Channel.class })
@ConditionalOnProperty(name = "asynctasq.driver", havingValue = "rabbitmq")
@EnableConfigurationProperties({ AsyncTasqRabbitProperties.class, AsyncTasqProperties.class })
public final class AsyncTasqRabbitAutoConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(AsyncTasqRabbitAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean(QueueDriver.class)
	RabbitDriver asyncTasqRabbitDriver(ObjectProvider<ConnectionFactory> connectionFactory,
			AsyncTasqRabbitProperties rabbit, AsyncTasqProperties properties) {
		ConnectionFactory factory = connectionFactory.getIfUnique();
		if (factory == null) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.driver", "rabbitmq",
					"The rabbitmq driver needs one Spring AMQP ConnectionFactory bean: add spring-boot-starter-amqp "
							+ "(it configures one from spring.rabbitmq.*) or define one.",
					"Add spring-boot-starter-amqp and set spring.rabbitmq.host (and port, username, password), "
							+ "define one ConnectionFactory bean, or set asynctasq.driver to another driver.");
		}
		RabbitDriver driver;
		try {
			driver = new RabbitDriver(factory, rabbit.getPrefix(), rabbit.getQueueType(), rabbit.getConfirmTimeout(),
					rabbit.getPrefetch(), properties.getDeadLetter().getRetention());
		}
		catch (IllegalArgumentException ex) {
			// the driver owns the rule for its prefix
			throw new InvalidAsyncTasqPropertyException("asynctasq.rabbitmq.prefix", rabbit.getPrefix(),
					ex.getMessage(), "Set asynctasq.rabbitmq.prefix to a valid name such as 'asynctasq', or remove "
							+ "it to use the default.");
		}
		Set<String> queues = new LinkedHashSet<>(properties.getWorker().getQueues());
		queues.add(properties.getDefaultQueue());
		try {
			driver.declareQueues(List.copyOf(queues));
		}
		catch (RuntimeException ex) {
			logger.warn("AsyncTasQ could not declare its RabbitMQ topology for {} at startup ({}); it is declared "
					+ "on first use", queues, ex.getMessage());
		}
		return driver;
	}

}
