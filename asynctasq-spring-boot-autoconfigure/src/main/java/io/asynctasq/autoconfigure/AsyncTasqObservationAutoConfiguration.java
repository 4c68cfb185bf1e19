package io.asynctasq.autoconfigure;

import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.observation.ObservationTaskObserver;
import io.asynctasq.observation.TaskDispatchObservationConvention;
import io.asynctasq.observation.TaskExecutionObservationConvention;
import io.asynctasq.observation.TaskObserver;
import io.asynctasq.worker.Worker;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

/**
 * Observes AsyncTasQ's dispatches and task executions ({@link ObservationTaskObserver}) when the application
 * has an {@link ObservationRegistry} (Boot's observation auto-configuration makes one), so a tracing bridge
 * traces a task from the request that dispatched it to its run on a worker. Off with
 * {@code asynctasq.observations.enabled=false}.
 */
@AutoConfiguration(after = AsyncTasqAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
@ConditionalOnBooleanProperty(name = "asynctasq.observations.enabled", matchIfMissing = true)
@EnableConfigurationProperties(AsyncTasqObservationProperties.class)
public final class AsyncTasqObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(TaskObserver.class)
	ObservationTaskObserver asyncTasqTaskObserver(ObservationRegistry registry,
			ObjectProvider<TaskDispatchObservationConvention> dispatchConvention,
			ObjectProvider<TaskExecutionObservationConvention> executionConvention) {
		return new ObservationTaskObserver(registry, dispatchConvention.getIfUnique(),
				executionConvention.getIfUnique());
	}

	/** Hands the observer to the dispatcher and the worker as they are created. */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean(name = "asyncTasqTaskObserverPostProcessor")
	static BeanPostProcessor asyncTasqTaskObserverPostProcessor(ObjectProvider<TaskObserver> observer) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof DefaultTaskDispatcher dispatcher) {
					observer.ifUnique(dispatcher::setTaskObserver);
				}
				else if (bean instanceof Worker worker) {
					observer.ifUnique(worker::setTaskObserver);
				}
				return bean;
			}
		};
	}

}
