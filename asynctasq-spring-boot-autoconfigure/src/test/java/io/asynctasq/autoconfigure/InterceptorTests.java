package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.dispatch.DispatchInterceptor;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.StoredTask;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.observation.TaskObserver;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.worker.TaskExecutionInterceptor;
import io.asynctasq.worker.Worker;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Dispatch and execution interceptors and worker customizers, through a real Spring context on the memory
 * driver: their order and their effect.
 */
class InterceptorTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
		.withUserConfiguration(TasksConfiguration.class)
		.withPropertyValues("asynctasq.worker.poll-interval=50ms", "asynctasq.task-defaults.max-attempts=2",
				"asynctasq.task-defaults.retry-delay=50ms", "asynctasq.task-defaults.jitter=0");

	@Test
	void interceptorsRunInOrderAndCarryAHeaderFromDispatchToTheTaskMdc() {
		this.contextRunner.withUserConfiguration(InterceptorsConfiguration.class).run((context) -> {
			Log log = context.getBean(Log.class);
			context.getBean(TaskDispatcher.class).dispatch("interceptors.tenant", "hello");

			await().until(() -> log.entries.contains("outer after"));
			assertThat(log.entries).containsExactly("tenant dispatch [hello]", "audit dispatch tenant=acme",
					"outer before tenant=acme attempt 1", "inner before", "task hello tenant=acme", "inner after",
					"outer after");
			assertThat(MDC.get("tenant")).isNull();
		});
	}

	@Test
	void onRedisTheHeaderTravelsWithTheTaskToTheExecutionInterceptors() {
		String prefix = "interceptors-" + UUID.randomUUID().toString().substring(0, 8);
		try {
			this.contextRunner
				.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
						AsyncTasqRedisAutoConfiguration.class))
				.withUserConfiguration(InterceptorsConfiguration.class)
				.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + prefix,
						"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379")
				.run((context) -> {
					assertThat(context).hasSingleBean(RedisDriver.class);
					Log log = context.getBean(Log.class);
					context.getBean(TaskDispatcher.class).dispatch("interceptors.tenant", "redis");

					await().until(() -> log.entries.contains("outer after"));
					assertThat(log.entries).containsExactly("tenant dispatch [redis]", "audit dispatch tenant=acme",
							"outer before tenant=acme attempt 1", "inner before", "task redis tenant=acme",
							"inner after", "outer after");
				});
		}
		finally {
			RedisTestSupport.deleteKeys(prefix);
		}
	}

	@Test
	void aDispatchRefusedByAnInterceptorFailsAtTheCallAndStoresNothing() {
		this.contextRunner.withUserConfiguration(InterceptorsConfiguration.class)
			.withPropertyValues("asynctasq.worker.enabled=false")
			.run((context) -> {
				TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
				QueueDriver driver = context.getBean(QueueDriver.class);

				assertThatIllegalStateException().isThrownBy(() -> dispatcher.dispatch("interceptors.tenant", "refused"))
					.withMessage("refused by the tenant interceptor");
				assertThatIllegalStateException()
					.isThrownBy(() -> dispatcher.dispatchAsync("interceptors.tenant", "refused"))
					.withMessage("refused by the tenant interceptor");
				assertThatIllegalStateException()
					.isThrownBy(() -> dispatcher.task("interceptors.tenant")
						.dispatchAll(List.of(new Object[] { "fine" }, new Object[] { "refused" })))
					.withMessage("refused by the tenant interceptor");
				assertThat(driver.counts("default")).isEqualTo(QueueCounts.EMPTY);

				String id = dispatcher.dispatch("interceptors.tenant", "accepted");
				StoredTask stored = driver.find("default", id).orElseThrow();
				assertThat(context.getBean(PayloadCodec.class).decode(stored.message().body()).headers())
					.containsEntry("tenant", "acme");
			});
	}

	@Test
	void anExecutionInterceptorThatThrowsFailsTheAttemptWhichIsRetriedThenDeadLettered() {
		this.contextRunner.withBean(RefusingInterceptor.class).run((context) -> {
			Log log = context.getBean(Log.class);
			QueueDriver driver = context.getBean(QueueDriver.class);
			String id = context.getBean(TaskDispatcher.class).dispatch("interceptors.tenant", "hello");

			await().until(() -> driver.counts("default").deadLettered() == 1);
			DeadLetter deadLetter = driver.deadLetters("default", 0, 10).get(0);
			assertThat(deadLetter.id()).isEqualTo(id);
			assertThat(deadLetter.attempts()).isEqualTo(2);
			assertThat(deadLetter.failure().errorClass()).isEqualTo(IllegalStateException.class.getName());
			assertThat(deadLetter.failure().errorMessage()).isEqualTo("no tenant on attempt 2");
			assertThat(log.entries).containsExactly("refused attempt 1", "refused attempt 2");
		});
	}

	@Test
	void aTaskReturningAStageIsInterceptedAroundItsMethodAndProceedReturnsTheStage() {
		this.contextRunner.withUserConfiguration(InterceptorsConfiguration.class).run((context) -> {
			Log log = context.getBean(Log.class);
			QueueDriver driver = context.getBean(QueueDriver.class);
			context.getBean(TaskDispatcher.class).dispatch("interceptors.async", "later");

			await().until(() -> log.entries.contains("outer after")
					&& driver.counts("default").equals(QueueCounts.EMPTY));
			assertThat(log.entries).containsExactly("tenant dispatch [later]", "audit dispatch tenant=acme",
					"outer before tenant=acme attempt 1", "inner before", "async task later tenant=acme",
					"inner after stage", "outer after");
		});
	}

	@Test
	void withoutInterceptorsDispatchesCarryNoHeadersAndTasksRun() {
		this.contextRunner.run((context) -> {
			Log log = context.getBean(Log.class);
			QueueDriver driver = context.getBean(QueueDriver.class);
			Worker worker = context.getBean(Worker.class);
			worker.stop();
			await().until(() -> !worker.isRunning());
			String id = context.getBean(TaskDispatcher.class).dispatch("interceptors.tenant", "plain");
			StoredTask stored = driver.find("default", id).orElseThrow();
			assertThat(context.getBean(PayloadCodec.class).decode(stored.message().body()).headers()).isEmpty();

			worker.start();
			await().until(() -> log.entries.contains("task plain tenant=null"));
			assertThat(log.entries).containsExactly("task plain tenant=null");
		});
	}

	@Test
	void workerCustomizersApplyInOrder() {
		this.contextRunner.withUserConfiguration(CustomizersConfiguration.class).run((context) -> {
			Worker worker = context.getBean(Worker.class);
			assertThat(worker.getPhase()).isEqualTo(42);
			assertThat(worker.isAutoStartup()).isFalse();
			assertThat(worker.isRunning()).isFalse();
			assertThat(context.getBean(Log.class).entries).containsExactly("first customizer",
					"second customizer sees phase 7");
		});
	}

	@Test
	void theStandaloneRuntimeAppliesInterceptorsInTheOrderAdded() {
		Log log = new Log();
		try (AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(new Tasks(log))
			.pollInterval(Duration.ofMillis(50))
			.dispatchInterceptors(new TenantInterceptor(log), new AuditInterceptor(log))
			.executionInterceptors(new OuterInterceptor(log), new InnerInterceptor(log))
			.build()) {
			runtime.dispatcher().dispatch("interceptors.tenant", "standalone");

			await().until(() -> log.entries.contains("outer after"));
			assertThat(log.entries).containsExactly("tenant dispatch [standalone]", "audit dispatch tenant=acme",
					"outer before tenant=acme attempt 1", "inner before", "task standalone tenant=acme",
					"inner after", "outer after");
		}
	}

	@Test
	void interceptorsSeeTheTraceHeadersAndRunInsideTheAttemptsObservationScope() {
		Log log = new Log();
		try (AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(new Tasks(log))
			.pollInterval(Duration.ofMillis(50))
			.dispatchInterceptors(new TenantInterceptor(log), (dispatch) -> log.add("headers " + dispatch.headers()))
			.executionInterceptors((execution) -> {
				log.add("execution trace=" + MDC.get("trace") + " traceparent="
						+ execution.headers().get("traceparent") + " tenant=" + execution.headers().get("tenant"));
				return execution.proceed();
			})
			.build()) {
			((DefaultTaskDispatcher) runtime.dispatcher()).setTaskObserver(new ScopeObserver());
			runtime.worker().setTaskObserver(new ScopeObserver());
			runtime.dispatcher().dispatch("interceptors.tenant", "traced");

			await().until(() -> log.entries.size() == 4);
			assertThat(log.entries).containsExactly("tenant dispatch [traced]",
					"headers {traceparent=00-trace, tenant=acme}",
					"execution trace=00-trace traceparent=00-trace tenant=acme", "task traced tenant=null");
		}
	}

	/** Puts a trace in the MDC while an attempt's scope is open; its dispatches carry a traceparent. */
	static final class ScopeObserver implements TaskObserver {

		@Override
		public DispatchObservation dispatchStarted(String taskId, String taskName, String queue) {
			return new DispatchObservation() {

				@Override
				public Map<String, String> headers() {
					return Map.of("traceparent", "00-trace");
				}

				@Override
				public Runnable wrap(Runnable call) {
					return call;
				}

				@Override
				public void stop(String outcome, @Nullable Throwable error) {
				}

			};
		}

		@Override
		public ExecutionObservation executionStarted(String taskId, String taskName, String queue, int attempt,
				Map<String, String> headers) {
			return new ExecutionObservation() {

				@Override
				public Scope openScope() {
					MDC.put("trace", headers.get("traceparent"));
					return () -> MDC.remove("trace");
				}

				@Override
				public void stop(String outcome, @Nullable Throwable error) {
				}

			};
		}

	}

	private static ConditionFactory await() {
		return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10));
	}

	static final class Log {

		final List<String> entries = new CopyOnWriteArrayList<>();

		void add(String entry) {
			this.entries.add(entry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TasksConfiguration {

		@Bean
		Log log() {
			return new Log();
		}

		@Bean
		Tasks interceptedTasks(Log log) {
			return new Tasks(log);
		}

	}

	static class Tasks {

		private final Log log;

		Tasks(Log log) {
			this.log = log;
		}

		@Task(name = "interceptors.tenant")
		public void tenant(String text) {
			this.log.add("task " + text + " tenant=" + MDC.get("tenant"));
		}

		@Task(name = "interceptors.async")
		public CompletionStage<String> async(String text) {
			this.log.add("async task " + text + " tenant=" + MDC.get("tenant"));
			return CompletableFuture.supplyAsync(() -> text);
		}

	}

	/** Declared inner first: the order comes from {@code @Order}, not from declaration. */
	@Configuration(proxyBeanMethods = false)
	static class InterceptorsConfiguration {

		@Bean
		InnerInterceptor innerInterceptor(Log log) {
			return new InnerInterceptor(log);
		}

		@Bean
		OuterInterceptor outerInterceptor(Log log) {
			return new OuterInterceptor(log);
		}

		@Bean
		AuditInterceptor auditInterceptor(Log log) {
			return new AuditInterceptor(log);
		}

		@Bean
		TenantInterceptor tenantInterceptor(Log log) {
			return new TenantInterceptor(log);
		}

	}

	/** Adds the tenant header; refuses dispatches of "refused". */
	@Order(1)
	static final class TenantInterceptor implements DispatchInterceptor {

		private final Log log;

		TenantInterceptor(Log log) {
			this.log = log;
		}

		@Override
		public void beforeDispatch(Dispatch dispatch) {
			if (dispatch.arguments().contains("refused")) {
				throw new IllegalStateException("refused by the tenant interceptor");
			}
			if (dispatch.arguments().contains("fine")) {
				return;
			}
			this.log.add("tenant dispatch " + dispatch.arguments());
			dispatch.header("tenant", "acme");
		}

	}

	@Order(2)
	static final class AuditInterceptor implements DispatchInterceptor {

		private final Log log;

		AuditInterceptor(Log log) {
			this.log = log;
		}

		@Override
		public void beforeDispatch(Dispatch dispatch) {
			if (dispatch.headers().containsKey("tenant")) {
				this.log.add("audit dispatch tenant=" + dispatch.headers().get("tenant"));
			}
		}

	}

	/** Puts the tenant header in the MDC around the attempt. */
	@Order(10)
	static final class OuterInterceptor implements TaskExecutionInterceptor {

		private final Log log;

		OuterInterceptor(Log log) {
			this.log = log;
		}

		@Override
		public @Nullable Object intercept(Execution execution) throws Throwable {
			String tenant = execution.headers().get("tenant");
			this.log.add("outer before tenant=" + tenant + " attempt " + execution.attempt());
			MDC.put("tenant", tenant);
			try {
				return execution.proceed();
			}
			finally {
				MDC.remove("tenant");
				this.log.add("outer after");
			}
		}

	}

	@Order(20)
	static final class InnerInterceptor implements TaskExecutionInterceptor {

		private final Log log;

		InnerInterceptor(Log log) {
			this.log = log;
		}

		@Override
		public @Nullable Object intercept(Execution execution) throws Throwable {
			this.log.add("inner before");
			Object result = execution.proceed();
			this.log.add((result instanceof CompletionStage) ? "inner after stage" : "inner after");
			return result;
		}

	}

	/** Fails every attempt before the task's method runs. */
	static final class RefusingInterceptor implements TaskExecutionInterceptor {

		private final Log log;

		RefusingInterceptor(Log log) {
			this.log = log;
		}

		@Override
		public @Nullable Object intercept(Execution execution) {
			this.log.add("refused attempt " + execution.attempt());
			throw new IllegalStateException("no tenant on attempt " + execution.attempt());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizersConfiguration {

		@Bean
		@Order(2)
		AsyncTasqWorkerCustomizer secondCustomizer(Log log) {
			return (worker) -> {
				log.add("second customizer sees phase " + worker.getPhase());
				worker.setPhase(42);
				worker.setAutoStartup(false);
			};
		}

		@Bean
		@Order(1)
		AsyncTasqWorkerCustomizer firstCustomizer(Log log) {
			return (worker) -> {
				log.add("first customizer");
				worker.setPhase(7);
			};
		}

	}

}
