package io.asynctasq.task;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Backoff;
import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.TaskHandler;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.driver.QueueDriver;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** How {@code @Task} methods of beans become registered tasks in an application context. */
class TaskRegistrationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.poll-interval=100ms", "asynctasq.task-defaults.retry-delay=10ms",
				"asynctasq.task-defaults.jitter=0");

	@Test
	void defaultNameIsSimpleClassNameDotMethodName() {
		this.runner.withUserConfiguration(ReportConfiguration.class).run((context) -> {
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			assertThat(registry.all()).extracting(TaskDefinition::name)
				.containsExactlyInAnyOrder("ReportTasks.generate", "reports.archive");
			TaskDefinition generate = registry.find("ReportTasks.generate").orElseThrow();
			assertThat(generate.method()).isEqualTo(ReportTasks.class.getMethod("generate", String.class, int.class,
					TaskContext.class));
			assertThat(generate.source()).isEqualTo("ReportTasks.generate(String, int, TaskContext)");
			// the TaskContext parameter is injected, not dispatched
			assertThat(generate.parameters()).extracting(TaskParameter::name).containsExactly("title", "pages");
			assertThat(generate.options()).isEqualTo(TaskOptions.NONE);
			assertThat(registry.find("ReportTasks.archive")).isEmpty();
		});
	}

	@Test
	void registeredTasksRunOnTheWorker() {
		this.runner.withUserConfiguration(ReportConfiguration.class).run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			dispatcher.dispatch("ReportTasks.generate", "Q3", 12);
			dispatcher.dispatch(ReportTasks::archive, "Q2");
			ReportTasks tasks = context.getBean(ReportTasks.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(tasks.runs).containsExactlyInAnyOrder("generate Q3 12 attempt 1",
						"archive Q2"));
		});
	}

	@Test
	void placeholdersInAnnotationValuesAreResolved() {
		this.runner.withUserConfiguration(PlaceholderConfiguration.class)
			.withPropertyValues("app.tasks.name=billing.invoice", "app.tasks.queue=billing",
					"app.tasks.timeout=45s", "app.tasks.retry-delay=PT2M")
			.run((context) -> {
				TaskRegistry registry = context.getBean(TaskRegistry.class);
				TaskDefinition invoice = registry.find("billing.invoice").orElseThrow();
				assertThat(invoice.options().queue()).isEqualTo("billing");
				assertThat(invoice.options().timeout()).isEqualTo(Duration.ofSeconds(45));
				assertThat(invoice.options().retryDelay()).isEqualTo(Duration.ofMinutes(2));
				TaskDefinition withDefaults = registry.find("PlaceholderTasks.withDefaults").orElseThrow();
				assertThat(withDefaults.options().queue()).isEqualTo("fallback-queue");
				assertThat(withDefaults.options().visibilityTimeout()).isEqualTo(Duration.ofMillis(1500));
			});
	}

	@Test
	void durationsAcceptSimpleAndIsoForms() {
		this.runner.withUserConfiguration(DurationConfiguration.class).run((context) -> {
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			TaskOptions simple = registry.find("DurationTasks.simple").orElseThrow().options();
			TaskOptions iso = registry.find("DurationTasks.iso").orElseThrow().options();
			assertThat(simple.timeout()).isEqualTo(Duration.ofSeconds(30)).isEqualTo(iso.timeout());
			assertThat(simple.retryDelay()).isEqualTo(Duration.ofMillis(500)).isEqualTo(iso.retryDelay());
			assertThat(simple.visibilityTimeout()).isEqualTo(Duration.ofMinutes(5)).isEqualTo(iso.visibilityTimeout());
			assertThat(simple.maxAttempts()).isEqualTo(4);
			assertThat(simple.backoff()).isEqualTo(Backoff.FIXED);
		});
	}

	@Test
	void invalidDurationFailsStartupNamingTheMethodAndAttribute() {
		this.runner.withUserConfiguration(BadDurationConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasRootCauseMessage("'soon' is not a valid duration")
				.cause()
				.hasMessageContaining("BadDurationTasks.run()")
				.hasMessageContaining("timeout 'soon' is not a duration")
				.hasMessageContaining("\"30s\"");
		});
	}

	@Test
	void invalidMaxAttemptsFailsStartup() {
		this.runner.withUserConfiguration(BadAttemptsConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(TaskDeclarationException.class)
				.hasMessageContaining("BadAttemptsTasks.run()")
				.hasMessageContaining("maxAttempts counts the first attempt and must be between 1 and 1000000, was 0");
		});
	}

	@Test
	void duplicateTaskNameFailsStartupNamingBothMethods() {
		this.runner.withUserConfiguration(DuplicateConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(DuplicateTaskNameException.class)
				.hasMessageContaining("Duplicate task name 'shared.name'")
				.hasMessageContaining("FirstDuplicate.send(String)")
				.hasMessageContaining("SecondDuplicate.notify(String, int)");
		});
	}

	@Test
	void tasksOfAProxiedBeanRunThroughTheProxy() {
		this.runner.withUserConfiguration(ProxyConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			ProxiedTasks bean = context.getBean(ProxiedTasks.class);
			assertThat(AopUtils.isCglibProxy(bean)).isTrue();
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			assertThat(registry.find("ProxiedTasks.work")).isPresent();
			CountingProxyPostProcessor counter = context.getBean(CountingProxyPostProcessor.class);

			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			dispatcher.dispatch(ProxiedTasks::work, "via-reference");
			dispatcher.dispatch("ProxiedTasks.work", "via-name");

			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(ProxiedTasks.runs).contains("via-reference", "via-name"));
			assertThat(counter.calls).hasValue(2);
			assertThat(context.getBean(QueueDriver.class).counts("default").deadLettered()).isZero();
		});
	}

	@Test
	void proxiedTaskHandlerRunsThroughTheProxy() {
		this.runner.withUserConfiguration(ProxyConfiguration.class).run((context) -> {
			ProxiedHandler handler = context.getBean(ProxiedHandler.class);
			assertThat(AopUtils.isCglibProxy(handler)).isTrue();
			CountingProxyPostProcessor counter = context.getBean(CountingProxyPostProcessor.class);
			context.getBean(TaskDispatcher.class).dispatch(ProxiedHandler.class, "payload");
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(handler.received()).containsExactly("payload"));
			assertThat(counter.calls).hasValue(1);
		});
	}

	// ---------------------------------------------------------------- beans

	static class ReportTasks {

		final List<String> runs = new CopyOnWriteArrayList<>();

		@Task
		public void generate(String title, int pages, TaskContext context) {
			this.runs.add("generate " + title + " " + pages + " attempt " + context.attempt());
		}

		@Task(name = "reports.archive")
		public void archive(String quarter) {
			this.runs.add("archive " + quarter);
		}

		public void notATask(String anything) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ReportConfiguration {

		@Bean
		ReportTasks reportTasks() {
			return new ReportTasks();
		}

	}

	static class PlaceholderTasks {

		@Task(name = "${app.tasks.name}", queue = "${app.tasks.queue}", timeout = "${app.tasks.timeout}",
				retryDelay = "${app.tasks.retry-delay}")
		public void invoice(String customer) {
		}

		@Task(queue = "${app.tasks.missing-queue:fallback-queue}", visibilityTimeout = "${app.tasks.missing:1500ms}")
		public void withDefaults() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PlaceholderConfiguration {

		@Bean
		PlaceholderTasks placeholderTasks() {
			return new PlaceholderTasks();
		}

	}

	static class DurationTasks {

		@Task(timeout = "30s", retryDelay = "500ms", visibilityTimeout = "5m", maxAttempts = 4,
				backoff = Backoff.FIXED)
		public void simple() {
		}

		@Task(timeout = "PT30S", retryDelay = "PT0.5S", visibilityTimeout = "PT5M")
		public void iso() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DurationConfiguration {

		@Bean
		DurationTasks durationTasks() {
			return new DurationTasks();
		}

	}

	static class BadDurationTasks {

		@Task(timeout = "soon")
		public void run() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadDurationConfiguration {

		@Bean
		BadDurationTasks badDurationTasks() {
			return new BadDurationTasks();
		}

	}

	static class BadAttemptsTasks {

		@Task(maxAttempts = 0)
		public void run() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadAttemptsConfiguration {

		@Bean
		BadAttemptsTasks badAttemptsTasks() {
			return new BadAttemptsTasks();
		}

	}

	static class FirstDuplicate {

		@Task(name = "shared.name")
		public void send(String to) {
		}

	}

	static class SecondDuplicate {

		@Task(name = "shared.name")
		public void notify(String to, int times) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DuplicateConfiguration {

		@Bean
		FirstDuplicate firstDuplicate() {
			return new FirstDuplicate();
		}

		@Bean
		SecondDuplicate secondDuplicate() {
			return new SecondDuplicate();
		}

	}

	static class ProxiedTasks {

		static final List<String> runs = new CopyOnWriteArrayList<>();

		@Task
		public void work(String label) {
			runs.add(label);
		}

	}

	static class ProxiedHandler implements TaskHandler<String> {

		private final List<String> received = new CopyOnWriteArrayList<>();

		@Override
		public void execute(String payload, TaskContext context) {
			this.received.add(payload);
		}

		/** Read through the proxy: the interceptor counts only execute(). */
		List<String> received() {
			return this.received;
		}

	}

	/**
	 * Wraps {@link ProxiedTasks} in a CGLIB proxy whose advice counts calls, as an application's own
	 * proxying post-processor would (no order declared).
	 */
	static class CountingProxyPostProcessor implements BeanPostProcessor {

		final AtomicInteger calls = new AtomicInteger();

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (!(bean instanceof ProxiedTasks) && !(bean instanceof ProxiedHandler)) {
				return bean;
			}
			ProxyFactory factory = new ProxyFactory(bean);
			factory.setProxyTargetClass(true);
			factory.addAdvice((MethodInterceptor) (invocation) -> {
				if (!invocation.getMethod().getName().equals("received")) {
					this.calls.incrementAndGet();
				}
				return invocation.proceed();
			});
			return factory.getProxy();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProxyConfiguration {

		@Bean
		static CountingProxyPostProcessor countingProxyPostProcessor() {
			return new CountingProxyPostProcessor();
		}

		@Bean
		ProxiedTasks proxiedTasks() {
			return new ProxiedTasks();
		}

		@Bean
		ProxiedHandler proxiedHandler() {
			return new ProxiedHandler();
		}

	}

}
