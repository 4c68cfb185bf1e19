package io.asynctasq.autoconfigure;

import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.dispatch.TransactionAwareDispatchDeferral;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Makes the dispatcher transaction-aware ({@code asynctasq.dispatch.transaction-aware}, default true)
 * when spring-tx is on the classpath: see {@link TransactionAwareDispatchDeferral}.
 */
@AutoConfiguration(after = AsyncTasqAutoConfiguration.class)
@ConditionalOnClass(TransactionSynchronizationManager.class)
@EnableConfigurationProperties(AsyncTasqDispatchProperties.class)
public final class AsyncTasqTransactionAutoConfiguration {

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnProperty(name = "asynctasq.dispatch.transaction-aware", matchIfMissing = true)
	static BeanPostProcessor asyncTasqTransactionAwareDispatch() {
		TransactionAwareDispatchDeferral deferral = new TransactionAwareDispatchDeferral();
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof DefaultTaskDispatcher dispatcher) {
					dispatcher.setDispatchDeferral(deferral);
				}
				return bean;
			}
		};
	}

}
