package io.asynctasq.autoconfigure;

import java.util.UUID;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.events.redis.RedisEventPublisher;
import io.asynctasq.events.AsyncTasqEventListener;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Wiring of the Redis driver by {@link AsyncTasqRedisAutoConfiguration}. */
class AsyncTasqRedisAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
				AsyncTasqRedisAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379",
				"asynctasq.worker.enabled=false");

	@Test
	void driverRedisUsesTheRedisDriverOnTheApplicationsConnectionFactory() {
		String prefix = "autoconfig-" + UUID.randomUUID().toString().substring(0, 8);
		this.runner.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + prefix)
			.run((context) -> {
				assertThat(context).hasSingleBean(QueueDriver.class);
				assertThat(context).hasSingleBean(RedisDriver.class);
				RedisDriver driver = context.getBean(RedisDriver.class);
				assertThat(driver.keyPrefix()).isEqualTo(prefix);
				assertThat(driver.name()).isEqualTo("redis");
				assertThatCode(driver::ping).doesNotThrowAnyException();
			});
	}

	@Test
	void keyPrefixDefaultsToAsynctasq() {
		this.runner.withPropertyValues("asynctasq.driver=redis")
			.run((context) -> assertThat(context.getBean(RedisDriver.class).keyPrefix()).isEqualTo("asynctasq"));
	}

	@Test
	void backsOffWhenTheApplicationDefinesItsOwnDriver() {
		this.runner.withPropertyValues("asynctasq.driver=redis")
			.withUserConfiguration(OwnDriver.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(QueueDriver.class);
				assertThat(context).doesNotHaveBean(RedisDriver.class);
				assertThat(context.getBean(QueueDriver.class)).isInstanceOf(MemoryDriver.class);
			});
	}

	@Test
	void notActiveForOtherDrivers() {
		this.runner.withPropertyValues("asynctasq.driver=memory").run((context) -> {
			assertThat(context).doesNotHaveBean(RedisDriver.class);
			assertThat(context.getBean(QueueDriver.class)).isInstanceOf(MemoryDriver.class);
		});
	}

	@Test
	void invalidKeyPrefixStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.key-prefix=has space")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidConfigurationPropertyValueException.class)
					.hasMessageContaining("asynctasq.redis.key-prefix")
					.hasMessageContaining("'has space'");
			});
	}

	@Test
	void missingConnectionFactoryStopsStartupNamingTheDriverProperty() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqRedisAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=redis", "asynctasq.worker.enabled=false")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("asynctasq.driver")
					.hasStackTraceContaining("RedisConnectionFactory");
			});
	}

	@Test
	void eventsToRedisAreOptIn() {
		this.runner.withPropertyValues("asynctasq.driver=redis")
			.run((context) -> assertThat(context.getBean(AsyncTasqEventListener.class))
				.isNotInstanceOf(RedisEventPublisher.class));
		this.runner.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.events.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(AsyncTasqEventListener.class)
				.getBean(AsyncTasqEventListener.class)
				.isInstanceOf(RedisEventPublisher.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnDriver {

		@Bean
		QueueDriver myDriver() {
			return new MemoryDriver();
		}

	}

}
