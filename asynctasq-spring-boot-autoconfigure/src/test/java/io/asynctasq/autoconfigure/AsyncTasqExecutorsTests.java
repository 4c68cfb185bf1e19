package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.worker.TestRuntimes;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker's and the dispatcher's executors come from Boot's executor builders: they follow
 * {@code spring.threads.virtual.enabled}, carry a context-propagating decorator, appear in Boot's executor metrics
 * and leave the application's own executor alone. Runs on Java 17 and again on Java 21+.
 */
class AsyncTasqExecutorsTests {

	private static final boolean JVM_HAS_VIRTUAL_THREADS = Runtime.version().feature() >= 21;

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
		.withUserConfiguration(CaptureConfiguration.class)
		.withPropertyValues("asynctasq.worker.poll-interval=100ms");

	@BeforeAll
	static void registerTenantAccessor() {
		ContextRegistry.getInstance().registerThreadLocalAccessor(new TenantAccessor());
	}

	@AfterAll
	static void removeTenantAccessor() {
		ContextRegistry.getInstance().removeThreadLocalAccessor(TenantAccessor.KEY);
	}

	@Test
	void virtualThreadsFollowBootsProperty() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			assertThat(ranOnVirtualThread(context.getBean(TaskDispatcher.class), context.getBean(ThreadCapture.class)))
				.isEqualTo(JVM_HAS_VIRTUAL_THREADS);
			assertThat(context.getBean(AsyncTasqAutoConfiguration.TASK_EXECUTOR))
				.isInstanceOf(JVM_HAS_VIRTUAL_THREADS ? SimpleAsyncTaskExecutor.class
						: ThreadPoolTaskExecutor.class);
		});
	}

	@Test
	void platformThreadsWhenBootsPropertyIsOff() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=false", "asynctasq.worker.concurrency=3")
			.run((context) -> {
				assertThat(ranOnVirtualThread(context.getBean(TaskDispatcher.class),
						context.getBean(ThreadCapture.class)))
					.isFalse();
				assertThat(context.getBean(ThreadCapture.class).name.get()).startsWith("asynctasq-task-");
				ThreadPoolTaskExecutor pool = context.getBean(AsyncTasqAutoConfiguration.TASK_EXECUTOR,
						ThreadPoolTaskExecutor.class);
				assertThat(pool.getCorePoolSize()).isEqualTo(3);
				assertThat(pool.getMaxPoolSize()).isEqualTo(3);
			});
	}

	@Test
	void withoutBootsPropertyVirtualThreadsAreChosenWhereTheJvmHasThem() {
		this.runner.run((context) -> assertThat(
				ranOnVirtualThread(context.getBean(TaskDispatcher.class), context.getBean(ThreadCapture.class)))
			.isEqualTo(JVM_HAS_VIRTUAL_THREADS));
	}

	@Test
	void explicitExecutorModeWinsOverBootsProperty() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true", "asynctasq.worker.executor=platform")
			.run((context) -> assertThat(
					ranOnVirtualThread(context.getBean(TaskDispatcher.class), context.getBean(ThreadCapture.class)))
				.isFalse());
	}

	@Test
	void taskExecutorPoolAppearsInBootsExecutorMetrics() {
		this.runner.withConfiguration(AutoConfigurations.of(TaskExecutorMetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("spring.threads.virtual.enabled=false", "asynctasq.worker.concurrency=3")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.find("executor.pool.core").tag("name", "asyncTasqTaskExecutor").gauge())
					.isNotNull()
					.satisfies((gauge) -> assertThat(gauge.value()).isEqualTo(3.0));
				assertThat(registry.find("executor.pool.core").tag("name", "applicationTaskExecutor").gauge())
					.isNotNull();
			});
	}

	@Test
	void applicationsOwnExecutorIsStillTheOneInjected() {
		this.runner.withUserConfiguration(ExecutorUserConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed().hasBean("applicationTaskExecutor");
			assertThat(context.getBean(ExecutorUser.class).executor)
				.isSameAs(context.getBean("applicationTaskExecutor"));
		});
	}

	@Test
	void dispatchExecutorPropagatesTheCallersContext() {
		this.runner.run((context) -> {
			Executor dispatch = context.getBean(AsyncTasqAutoConfiguration.DISPATCH_EXECUTOR, Executor.class);
			TENANT.set("acme");
			try {
				assertThat(CompletableFuture.supplyAsync(TENANT::get, dispatch).get(5, TimeUnit.SECONDS))
					.isEqualTo("acme");
			}
			finally {
				TENANT.remove();
			}
		});
	}

	@Test
	void dispatchExecutorCarriesTheApplicationsTaskDecorator() {
		AtomicInteger decorated = new AtomicInteger();
		this.runner.withBean(TaskDecorator.class, () -> (runnable) -> {
			decorated.incrementAndGet();
			return runnable;
		}).run((context) -> {
			CompletableFuture
				.supplyAsync(() -> "sent", context.getBean(AsyncTasqAutoConfiguration.DISPATCH_EXECUTOR, Executor.class))
				.get(5, TimeUnit.SECONDS);
			assertThat(decorated).hasValue(1);
		});
	}

	private static boolean ranOnVirtualThread(TaskDispatcher dispatcher, ThreadCapture capture) {
		dispatcher.dispatch("thread.capture");
		await().atMost(Duration.ofSeconds(10)).until(() -> capture.virtual.get() != null);
		return capture.virtual.get();
	}

	static class ThreadCapture {

		final AtomicReference<Boolean> virtual = new AtomicReference<>();

		final AtomicReference<String> name = new AtomicReference<>();

		@Task(name = "thread.capture")
		void capture() {
			this.name.set(Thread.currentThread().getName());
			this.virtual.set(TestRuntimes.isVirtual(Thread.currentThread()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CaptureConfiguration {

		@Bean
		ThreadCapture threadCapture() {
			return new ThreadCapture();
		}

	}

	record ExecutorUser(Executor executor) {
	}

	@Configuration(proxyBeanMethods = false)
	static class ExecutorUserConfiguration {

		@Bean
		ExecutorUser executorUser(Executor executor) {
			return new ExecutorUser(executor);
		}

	}

	static class TenantAccessor implements ThreadLocalAccessor<String> {

		static final String KEY = "asynctasq.test.tenant";

		@Override
		public Object key() {
			return KEY;
		}

		@Override
		public String getValue() {
			return TENANT.get();
		}

		@Override
		public void setValue(String value) {
			TENANT.set(value);
		}

		@Override
		public void setValue() {
			TENANT.remove();
		}

	}

}
