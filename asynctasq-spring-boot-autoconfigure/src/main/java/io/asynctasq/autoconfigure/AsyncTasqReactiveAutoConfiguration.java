package io.asynctasq.autoconfigure;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.dispatch.reactive.ReactiveTaskDispatcher;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@link ReactiveTaskDispatcher} when Reactor is on the class path: it dispatches
 * through the application's {@link TaskDispatcher}.
 */
@AutoConfiguration(after = AsyncTasqAutoConfiguration.class)
@ConditionalOnClass(Mono.class)
public final class AsyncTasqReactiveAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(TaskDispatcher.class)
	ReactiveTaskDispatcher reactiveTaskDispatcher(TaskDispatcher dispatcher) {
		return new ReactiveTaskDispatcher(dispatcher);
	}

}
