package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.dispatch.DispatchInterceptor;
import io.asynctasq.dispatch.reactive.ReactiveTaskDispatcher;
import io.asynctasq.worker.TaskExecutionInterceptor;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's interceptor of reactive tasks ("Reactive applications"), as written there. */
class ReadmeReactiveExampleTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(AsyncTasqAutoConfiguration.class, AsyncTasqReactiveAutoConfiguration.class))
		.withUserConfiguration(ExampleConfiguration.class)
		.withPropertyValues("asynctasq.worker.poll-interval=50ms");

	@Test
	void theInterceptorPutsTheHeaderIntoTheReactorContextOfTheTask() {
		this.runner.run((context) -> {
			context.getBean(ReactiveTaskDispatcher.class)
				.dispatch("tenant-report", "q3")
				.subscribeOn(Schedulers.parallel())
				.block(Duration.ofSeconds(5));
			TenantTasks tasks = context.getBean(TenantTasks.class);
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(tasks.seen).containsExactly("q3 for acme"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ExampleConfiguration {

		@Bean
		TaskExecutionInterceptor tenantContext() {
			return (execution) -> {
				Object result = execution.proceed();
				String tenant = execution.headers().getOrDefault("tenant", "none");
				return (result instanceof Mono<?> mono) ? mono.contextWrite((context) -> context.put("tenant", tenant))
						: result;
			};
		}

		@Bean
		DispatchInterceptor tenantHeader() {
			return (dispatch) -> dispatch.header("tenant", "acme");
		}

		@Bean
		TenantTasks tenantTasks() {
			return new TenantTasks();
		}

	}

	static class TenantTasks {

		final List<String> seen = new CopyOnWriteArrayList<>();

		@Task(name = "tenant-report")
		public Mono<Void> render(String reportId) {
			return Mono.deferContextual((context) -> {
				this.seen.add(reportId + " for " + context.getOrDefault("tenant", "unset"));
				return Mono.empty();
			});
		}

	}

}
