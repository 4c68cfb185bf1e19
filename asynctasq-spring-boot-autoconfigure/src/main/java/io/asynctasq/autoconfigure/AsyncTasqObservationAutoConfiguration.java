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
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Role;

/**
 * Observes AsyncTasQ's dispatches and task executions ({@link ObservationTaskObserver}) when the application
 * has an {@link ObservationRegistry} (Boot's observation auto-configuration makes one), so a tracing bridge
 * traces a task from the request that dispatched it to its run on a worker. By default only when a tracing
 * bridge provides a {@code Tracer}: an application with Actuator but no tracing otherwise pays for observations
 * whose only use would be timers that AsyncTasQ's own meters already give ({@code asynctasq.observations.
 * require-tracer=false} observes with any registry). Off with {@code asynctasq.observations.enabled=false}.
 */
@AutoConfiguration(after = AsyncTasqAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
				"org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration",
				"org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration",
				"org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration" })
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
@ConditionalOnBooleanProperty(name = "asynctasq.observations.enabled", matchIfMissing = true)
@EnableConfigurationProperties(AsyncTasqObservationProperties.class)
public final class AsyncTasqObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(TaskObserver.class)
	@Conditional(TracerOrAnyRegistry.class)
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

	/** A tracing bridge's {@code Tracer} is there, or observations need none. */
	static final class TracerOrAnyRegistry extends AnyNestedCondition {

		TracerOrAnyRegistry() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBean(type = "io.micrometer.tracing.Tracer")
		static final class WithTracer {

		}

		@ConditionalOnBooleanProperty(name = "asynctasq.observations.require-tracer", havingValue = false)
		static final class WithoutTracer {

		}

	}

}
