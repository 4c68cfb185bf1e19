package io.asynctasq.autoconfigure;

import java.util.Map;
import java.util.UUID;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.task.DuplicateTaskNameException;
import io.asynctasq.task.TaskDeclarationException;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Startup mistakes become a report with a Description and an Action: each analyzer runs here on the failure
 * of a real startup.
 */
@ExtendWith(OutputCaptureExtension.class)
class AsyncTasqFailureAnalyzersTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.enabled=false");

	// ---------------------------------------------------------------- properties

	@Test
	void aBadValueIsReportedWithItsOriginReasonAndFix() {
		this.runner.withPropertyValues("asynctasq.worker.concurrency=-1").run((context) -> {
			FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(), "asynctasq.worker.concurrency",
					"-1");
			assertThat(analysis.getDescription()).contains("Invalid value '-1'")
				.contains("'asynctasq.worker.concurrency'")
				.contains("originating from")
				.contains("must be at least 1 (the maximum number of tasks running at once)");
			assertThat(analysis.getAction())
				.isEqualTo("Set asynctasq.worker.concurrency to 1 or more, or remove it to use the default.");
		});
	}

	@Test
	void aBadValueStopsStartupEvenWhenNoBeanUsesIt() {
		// the runner disables the worker: no bean reads the poll interval
		this.runner.withPropertyValues("asynctasq.worker.poll-interval=0s")
			.run((context) -> assertThat(
					analyzeProperty(context.getStartupFailure(), "asynctasq.worker.poll-interval", "0s").getAction())
				.isEqualTo("Set asynctasq.worker.poll-interval to a positive duration such as 1s, or remove it to "
						+ "use the default."));
	}

	@Test
	void aPollBackoffShorterThanItsMinimumNamesBoth() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					AsyncTasqJdbcAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.worker.enabled=false",
					"spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
					"asynctasq.jdbc.poll-backoff-min=2s", "asynctasq.jdbc.poll-backoff-max=1s")
			.run((context) -> {
				FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(),
						"asynctasq.jdbc.poll-backoff-max", "1s");
				assertThat(analysis.getDescription()).contains("asynctasq.jdbc.poll-backoff-max")
					.contains("must not be shorter than asynctasq.jdbc.poll-backoff-min (PT2S)");
				assertThat(analysis.getAction()).contains("asynctasq.jdbc.poll-backoff-min");
			});
	}

	@Test
	void aRedisClientNameWithSpacesNamesItsProperty() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqRedisAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.client-name=orders worker")
			.run((context) -> {
				FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(), "asynctasq.redis.client-name",
						"orders worker");
				assertThat(analysis.getDescription()).contains("'asynctasq.redis.client-name'")
					.contains("must be a name without spaces");
				assertThat(analysis.getAction()).contains("orders-worker");
			});
	}

	@Test
	void aNegativeRabbitPrefetchNamesItsProperty() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqRabbitAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=rabbitmq", "asynctasq.rabbitmq.prefetch=-1")
			.run((context) -> assertThat(
					analyzeProperty(context.getStartupFailure(), "asynctasq.rabbitmq.prefetch", "-1").getDescription())
				.contains("'asynctasq.rabbitmq.prefetch'")
				.contains("must be 0 (the worker's concurrency, at least 10) or a positive number"));
	}

	// ---------------------------------------------------------------- drivers

	@Test
	void aMissingClientLibraryNamesTheStarterToAdd() {
		this.runner.withPropertyValues("asynctasq.driver=redis").run((context) -> {
			FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(), "asynctasq.driver", "redis");
			assertThat(analysis.getDescription()).contains("'asynctasq.driver'").contains("needs Spring Data Redis");
			assertThat(analysis.getAction()).startsWith("Add spring-boot-starter-data-redis")
				.contains("set asynctasq.driver to another driver");
		});
	}

	@Test
	void sqsWithoutItsAutoConfigurationNamesTheSdkModuleToAdd() {
		this.runner.withPropertyValues("asynctasq.driver=sqs").run((context) -> {
			FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(), "asynctasq.driver", "sqs");
			assertThat(analysis.getDescription()).contains("The sqs driver needs the AWS SDK's SQS module");
			assertThat(analysis.getAction()).contains("software.amazon.awssdk:sqs");
		});
	}

	@Test
	void aMissingRedisConnectionFactoryNamesWhatConfiguresOne() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqRedisAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=redis", "asynctasq.worker.enabled=false")
			.run((context) -> {
				FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(), "asynctasq.driver", "redis");
				assertThat(analysis.getDescription()).contains("needs one RedisConnectionFactory bean");
				assertThat(analysis.getAction()).contains("spring.data.redis.host").contains("RedisConnectionFactory");
			});
	}

	@Test
	void aMissingRabbitConnectionFactoryNamesWhatConfiguresOne() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqRabbitAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=rabbitmq", "asynctasq.worker.enabled=false")
			.run((context) -> {
				FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(), "asynctasq.driver",
						"rabbitmq");
				assertThat(analysis.getDescription()).contains("needs one Spring AMQP ConnectionFactory bean");
				assertThat(analysis.getAction()).contains("spring-boot-starter-amqp").contains("spring.rabbitmq.host");
			});
	}

	@Test
	void aMissingDataSourceNamesWhatConfiguresOne() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AsyncTasqJdbcAutoConfiguration.class,
					AsyncTasqAutoConfiguration.class))
			.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.worker.enabled=false")
			.run((context) -> {
				FailureAnalysis analysis = analyzeProperty(context.getStartupFailure(), "asynctasq.driver", "jdbc");
				assertThat(analysis.getDescription()).contains("needs exactly one DataSource bean");
				assertThat(analysis.getAction()).contains("spring.datasource.url").contains("@Primary");
			});
	}

	// ---------------------------------------------------------------- tasks

	@Test
	void aDuplicateTaskNameNamesBothDeclarations() {
		this.runner.withBean(FirstMailer.class).withBean(SecondMailer.class).run((context) -> {
			FailureAnalysis analysis = new DuplicateTaskNameFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).isEqualTo("Two tasks are named 'mail.send': FirstMailer.send(String) "
					+ "and SecondMailer.send(String). A task name identifies one task for every worker.");
			assertThat(analysis.getAction()).contains("@Task(name = \"...\")");
			assertThat(analysis.getCause()).isInstanceOf(DuplicateTaskNameException.class);
		});
	}

	@Test
	void aPrivateTaskMethodOfAProxiedBeanIsReportedAtStartup() {
		this.runner.withUserConfiguration(ProxiedPrivateTaskConfiguration.class).run((context) -> {
			FailureAnalysis analysis = new TaskDeclarationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription())
				.startsWith("The task declared by PrivateTasks.work(String) cannot be registered: the method cannot "
						+ "be invoked on its bean");
			assertThat(analysis.getAction()).isEqualTo("Make PrivateTasks.work(String) public, protected or "
					+ "package-private: the bean is proxied and a proxy cannot call a private method of its target.");
		});
	}

	@Test
	void aTaskMethodHiddenByAnInterfaceProxyIsReportedAtStartup() {
		this.runner.withUserConfiguration(InterfaceProxiedTaskConfiguration.class).run((context) -> {
			FailureAnalysis analysis = new TaskDeclarationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("InterfaceTasks.work(String)")
				.contains("cannot be invoked on its bean");
			assertThat(analysis.getAction()).contains("on an interface the bean implements")
				.contains("proxyTargetClass = true");
		});
	}

	@Test
	void aSecondTaskContextParameterIsReported() {
		this.runner.withBean(TwoContexts.class).run((context) -> {
			FailureAnalysis analysis = new TaskDeclarationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).isEqualTo("The task declared by "
					+ "TwoContexts.run(TaskContext, TaskContext) cannot be registered: declares TaskContext twice");
			assertThat(analysis.getAction())
				.isEqualTo("Declare at most one TaskContext parameter on TwoContexts.run(TaskContext, TaskContext).");
		});
	}

	@Test
	void anAttributeOutOfRangeIsReportedWithTheAttribute() {
		this.runner.withBean(NoAttempts.class).run((context) -> {
			FailureAnalysis analysis = new TaskDeclarationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("NoAttempts.run()")
				.contains("maxAttempts counts the first attempt and must be between 1 and");
			assertThat(analysis.getAction()).contains("Correct that attribute of @Task on NoAttempts.run()");
			assertThat(analysis.getCause()).isInstanceOf(TaskDeclarationException.class);
		});
	}

	// ---------------------------------------------------------------- registration

	@Test
	void springApplicationPrintsTheReportOfOurAnalyzer(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(StarterOnly.class)
			.web(WebApplicationType.NONE)
			.properties("asynctasq.worker.heartbeat-interval=0s", "spring.main.banner-mode=off");
		assertThatException().isThrownBy(application::run);
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid value '0s' for configuration property 'asynctasq.worker.heartbeat-interval'")
			.contains("must be a positive duration, e.g. 30s")
			.contains("Set asynctasq.worker.heartbeat-interval to a positive duration such as 30s");
	}

	// ---------------------------------------------------------------- helpers

	/** The analysis of {@code failure} by the analyzer of invalid properties, with {@code property} set. */
	private static FailureAnalysis analyzeProperty(Throwable failure, String property, String value) {
		assertThat(failure).isNotNull();
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(property, value)));
		FailureAnalysis analysis = new InvalidAsyncTasqPropertyFailureAnalyzer(environment).analyze(failure);
		assertThat(analysis).as("analysis of %s", failure).isNotNull();
		assertThat(analysis.getCause()).isInstanceOfSatisfying(InvalidAsyncTasqPropertyException.class,
				(invalid) -> assertThat(invalid.getName()).isEqualTo(property));
		return analysis;
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(AsyncTasqAutoConfiguration.class)
	static class StarterOnly {

	}

	static class FirstMailer {

		@Task(name = "mail.send")
		public void send(String to) {
		}

	}

	static class SecondMailer {

		@Task(name = "mail.send")
		public void send(String to) {
		}

	}

	static class TwoContexts {

		@Task
		public void run(TaskContext first, TaskContext second) {
		}

	}

	static class NoAttempts {

		@Task(maxAttempts = 0)
		public void run() {
		}

	}

	static class PrivateTasks {

		@Task
		private void work(String label) {
		}

	}

	public interface Greeting {

		void greet();

	}

	static class InterfaceTasks implements Greeting {

		@Override
		public void greet() {
		}

		@Task
		public void work(String label) {
		}

	}

	/** Proxies the beans of {@code type}, by class or by interface, as an application's own post-processor would. */
	static class ProxyingPostProcessor implements BeanPostProcessor {

		private final Class<?> type;

		private final boolean byClass;

		ProxyingPostProcessor(Class<?> type, boolean byClass) {
			this.type = type;
			this.byClass = byClass;
		}

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (!this.type.isInstance(bean)) {
				return bean;
			}
			ProxyFactory factory = new ProxyFactory(bean);
			factory.setProxyTargetClass(this.byClass);
			if (!this.byClass) {
				factory.setInterfaces(Greeting.class);
			}
			factory.addAdvice((MethodInterceptor) (invocation) -> invocation.proceed());
			return factory.getProxy();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProxiedPrivateTaskConfiguration {

		@Bean
		static ProxyingPostProcessor proxyingPostProcessor() {
			return new ProxyingPostProcessor(PrivateTasks.class, true);
		}

		@Bean
		PrivateTasks privateTasks() {
			return new PrivateTasks();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InterfaceProxiedTaskConfiguration {

		@Bean
		static ProxyingPostProcessor proxyingPostProcessor() {
			return new ProxyingPostProcessor(InterfaceTasks.class, false);
		}

		@Bean
		InterfaceTasks interfaceTasks() {
			return new InterfaceTasks();
		}

	}

}
