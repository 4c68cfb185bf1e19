package io.asynctasq.autoconfigure;

import java.time.Duration;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.dispatch.reactive.ReactiveTaskDispatcher;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class AsyncTasqReactiveAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(AsyncTasqAutoConfiguration.class, AsyncTasqReactiveAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.enabled=false")
		.withBean(Jobs.class);

	@Test
	void withReactorTheReactiveDispatcherDispatchesThroughTheTaskDispatcher() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ReactiveTaskDispatcher.class);
			ReactiveTaskDispatcher reactive = context.getBean(ReactiveTaskDispatcher.class);
			assertThat(reactive.blocking()).isSameAs(context.getBean(TaskDispatcher.class));
			String id = reactive.dispatch(Jobs::ping, "x").subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5));
			assertThat(id).isNotBlank();
		});
	}

	@Test
	void withoutReactorThereIsNoReactiveDispatcher() {
		this.runner.withClassLoader(new FilteredClassLoader(Mono.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(TaskDispatcher.class);
			assertThat(context).doesNotHaveBean(ReactiveTaskDispatcher.class);
		});
	}

	@Test
	void theApplicationsOwnReactiveDispatcherIsKept() {
		this.runner.withUserConfiguration(OwnReactiveDispatcher.class).run((context) -> {
			assertThat(context).hasSingleBean(ReactiveTaskDispatcher.class);
			assertThat(context.getBean(ReactiveTaskDispatcher.class))
				.isSameAs(context.getBean(OwnReactiveDispatcher.class).own);
		});
	}

	static class Jobs {

		@Task
		public void ping(String value) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnReactiveDispatcher {

		ReactiveTaskDispatcher own;

		@Bean
		ReactiveTaskDispatcher ownReactiveDispatcher(TaskDispatcher dispatcher) {
			this.own = new ReactiveTaskDispatcher(dispatcher);
			return this.own;
		}

	}

}
