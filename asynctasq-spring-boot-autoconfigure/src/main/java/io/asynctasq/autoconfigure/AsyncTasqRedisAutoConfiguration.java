package io.asynctasq.autoconfigure;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.events.redis.RedisEventPublisher;
import io.asynctasq.events.AsyncTasqEventListener;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The Redis driver, when {@code asynctasq.driver=redis}: built on the application's
 * {@link RedisConnectionFactory} (Spring Boot's, from {@code spring.data.redis.*}). Runs before
 * {@link AsyncTasqAutoConfiguration}, whose driver then backs off; backs off itself when the
 * application defines its own {@link QueueDriver}. With {@code asynctasq.redis.events.enabled=true},
 * lifecycle events are also published as JSON to a Redis channel ({@link RedisEventPublisher}).
 */
@AutoConfiguration(before = AsyncTasqAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnProperty(name = "asynctasq.driver", havingValue = "redis")
@EnableConfigurationProperties(AsyncTasqRedisProperties.class)
public final class AsyncTasqRedisAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(QueueDriver.class)
	RedisDriver asyncTasqRedisQueueDriver(ObjectProvider<RedisConnectionFactory> connectionFactory,
			AsyncTasqRedisProperties properties) {
		RedisConnectionFactory factory = connectionFactory.getIfUnique();
		if (factory == null) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.driver", "redis",
					"The redis driver needs one RedisConnectionFactory bean: add spring-boot-starter-data-redis "
							+ "(Lettuce) and configure spring.data.redis.*, or define the factory yourself.",
					"Add spring-boot-starter-data-redis and set spring.data.redis.host (and port), define one "
							+ "RedisConnectionFactory bean, or set asynctasq.driver to another driver.");
		}
		return new RedisDriver(factory, properties.getKeyPrefix(), properties.getClientName());
	}

	@Bean
	@ConditionalOnMissingBean(AsyncTasqEventListener.class)
	@ConditionalOnProperty(name = "asynctasq.redis.events.enabled", havingValue = "true")
	RedisEventPublisher asyncTasqRedisEventPublisher(RedisConnectionFactory connectionFactory,
			AsyncTasqRedisProperties properties, ApplicationEventPublisher applicationEvents) {
		return new RedisEventPublisher(connectionFactory, properties.getEvents().getChannel(),
				applicationEvents::publishEvent);
	}

}
