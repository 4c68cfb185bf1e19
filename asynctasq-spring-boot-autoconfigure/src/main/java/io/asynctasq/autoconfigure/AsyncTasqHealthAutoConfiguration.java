package io.asynctasq.autoconfigure;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.health.AsyncTasqHealthIndicator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
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
public final class AsyncTasqHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "asynctasqHealthIndicator")
	AsyncTasqHealthIndicator asynctasqHealthIndicator(QueueDriver driver, AsyncTasqProperties properties) {
		Set<String> queues = new LinkedHashSet<>(properties.getWorker().getQueues());
		queues.add(properties.getDefaultQueue());
		return new AsyncTasqHealthIndicator(driver, List.copyOf(queues));
	}

}
