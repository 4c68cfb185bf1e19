package io.asynctasq.autoconfigure;

import java.util.List;
import java.util.function.Supplier;

import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.inspection.QueueCountsSnapshot;
import io.asynctasq.metrics.AsyncTasqMetrics;
import io.asynctasq.runtime.AsyncTasqComponents;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.Worker;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * AsyncTasQ's Micrometer meters ({@link AsyncTasqMetrics}) when the application has a {@link MeterRegistry}:
 * recorded from the worker's and dispatcher's events and from every call through the driver's facade.
 */
@AutoConfiguration(after = AsyncTasqAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, QueueDriver.class })
@ConditionalOnBooleanProperty(name = "asynctasq.metrics.enabled", matchIfMissing = true)
@EnableConfigurationProperties(AsyncTasqMetricsProperties.class)
public final class AsyncTasqMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	AsyncTasqMetrics asyncTasqMetrics(MeterRegistry registry, QueueDriver driver, ObjectProvider<Worker> worker,
			TaskRegistry tasks, AsyncTasqProperties properties, AsyncTasqMetricsProperties metrics) {
		Supplier<List<String>> queues = () -> AsyncTasqComponents.watchedQueues(worker.getIfAvailable(),
				properties.getWorker().getQueues(), properties.getDefaultQueue(), tasks);
		QueueCountsSnapshot counts = metrics.getQueueCountsRefresh().isZero() ? null
				: QueueCountsSnapshot.onOwnThread(driver, queues, metrics.getQueueCountsRefresh(),
						"asynctasq-metrics-counts");
		AsyncTasqMetrics meters = new AsyncTasqMetrics(registry, driver.name(), counts, queues, worker::getIfAvailable);
		DriverFacade.of(driver).listenToCalls(meters);
		return meters;
	}

}
