package io.asynctasq.autoconfigure;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.runtime.AsyncTasqComponents;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.Worker;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code asynctasq} health indicator ({@code /actuator/health/asynctasq}), when Spring Boot's
 * health support is present.
 */
@AutoConfiguration(after = AsyncTasqAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(QueueDriver.class)
@ConditionalOnEnabledHealthIndicator("asynctasq")
@EnableConfigurationProperties(AsyncTasqHealthProperties.class)
public final class AsyncTasqHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "asynctasqHealthIndicator")
	AsyncTasqHealthIndicator asynctasqHealthIndicator(QueueDriver driver, ObjectProvider<Worker> worker,
			TaskRegistry registry, AsyncTasqProperties properties, AsyncTasqHealthProperties health) {
		Worker localWorker = worker.getIfAvailable();
		return new AsyncTasqHealthIndicator(driver, localWorker,
				() -> AsyncTasqComponents.watchedQueues(localWorker, properties.getWorker().getQueues(),
						properties.getDefaultQueue(), registry),
				health.getTimeout(), health.getCountsRefresh());
	}

}
