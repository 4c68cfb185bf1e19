package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.asynctasq.Backoff;
import io.asynctasq.TaskDispatch;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.TaskHandler;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.runtime.InfrastructureLifecycle;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.TaskExecutors;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@ExtendWith(OutputCaptureExtension.class)
class AsyncTasqAutoConfigurationTests {

	private static final String NON_DURABLE_WARNING = "AsyncTasQ uses the in-memory driver: tasks are not durable";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class,
				AsyncTasqHealthAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.poll-interval=100ms");

	// ---------------------------------------------------------------- defaults

	@Test
	void dispatchSettingsAreBound() {
		this.runner.withPropertyValues("asynctasq.dispatch.max-payload-size=100B").run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> dispatcher.dispatch("Any.task", "x".repeat(200)))
				.withMessageContaining("asynctasq.dispatch.max-payload-size (100 bytes)");
		});
	}

	@Test
	void defaultsCreateEveryBeanWithTheMemoryDriver(CapturedOutput output) {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed()
				.hasSingleBean(TaskRegistry.class)
				.hasSingleBean(PayloadCodec.class)
				.hasSingleBean(QueueDriver.class)
				.hasSingleBean(TaskDispatcher.class)
				.hasSingleBean(Worker.class)
				.hasSingleBean(InfrastructureLifecycle.class)
				.hasSingleBean(AsyncTasqEventListener.class);
			assertThat(context.getBean(QueueDriver.class)).isInstanceOf(MemoryDriver.class);
			assertThat(context.getBean(TaskDispatcher.class)).isInstanceOf(DefaultTaskDispatcher.class);
			Worker worker = context.getBean(Worker.class);
			assertThat(worker.isRunning()).isTrue();
			WorkerSettings settings = worker.settings();
			assertThat(settings.queues()).as("none configured").isEmpty();
			assertThat(worker.queues()).as("served: the default queue and those of registered tasks")
				.containsExactly("default");
			assertThat(settings.unknownTaskGrace()).isEqualTo(Duration.ofHours(1));
			assertThat(settings.concurrency()).isEqualTo(10);
			assertThat(settings.executorMode()).as("auto, resolved for this JVM")
				.isEqualTo(TaskExecutors.virtualThreadsAvailable() ? ExecutorMode.VIRTUAL : ExecutorMode.PLATFORM);
			assertThat(worker.usesVirtualThreads()).isEqualTo(TaskExecutors.virtualThreadsAvailable());
			assertThat(settings.taskDefaults()).isEqualTo(TaskOptions.DEFAULTS);
		});
		assertThat(output).contains(NON_DURABLE_WARNING).contains("asynctasq.driver");
	}

	@Test
	void theStarterAndTheStandaloneBuilderShareTheirDefaults() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
			.run((context) -> {
				WorkerSettings starter = context.getBean(Worker.class).settings();
				try (AsyncTasqRuntime runtime = AsyncTasq.builder().build()) {
					WorkerSettings standalone = runtime.worker().settings();
					assertThat(starter).usingRecursiveComparison()
						.ignoringFields("shutdownTimeout", "executorMode")
						.isEqualTo(standalone);
					assertThat(standalone.executorMode()).isEqualTo(ExecutorMode.AUTO);
					assertThat(context.getBean(Worker.class).usesVirtualThreads())
						.as("auto resolved by the starter as the builder does")
						.isEqualTo(runtime.worker().usesVirtualThreads());
					assertThat(standalone.shutdownTimeout()).isEqualTo(WorkerSettings.DEFAULT_SHUTDOWN_TIMEOUT);
					assertThat(starter.shutdownTimeout()).as("bounded by the 30 s shutdown phase")
						.isEqualTo(Duration.ofMillis(22_500));
				}
			});
	}

	@Test
	void contextCloseShutsTheDispatcherDown() {
		TaskDispatcher[] dispatcher = new TaskDispatcher[1];
		this.runner.run((context) -> dispatcher[0] = context.getBean(TaskDispatcher.class));
		assertThat(dispatcher[0]).isNotNull();
		assertThat(failureOf(() -> dispatcher[0].dispatch("Anything.run"))).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("shut down");
	}

	// ---------------------------------------------------------------- back-off

	// ---------------------------------------------------------------- dead-letter retention

	@Test
	void deadLetterRetentionReachesTheWorkersPruner() {
		this.runner.withPropertyValues("asynctasq.dead-letter.retention=2s", "asynctasq.worker.unknown-task-grace=0s")
			.run((context) -> {
				assertThat(context.getBean(Worker.class).deadLetterRetention()).isEqualTo(Duration.ofSeconds(2));
				QueueDriver driver = context.getBean(QueueDriver.class);
				// a task no worker knows, with no grace: dead-lettered at once
				context.getBean(TaskDispatcher.class).dispatch("Unknown.task");
				Awaitility.await().atMost(Duration.ofSeconds(10))
					.until(() -> driver.counts("default").deadLettered() == 1);
				Awaitility.await().atMost(Duration.ofSeconds(15))
					.until(() -> driver.counts("default").deadLettered() == 0);
			});
	}

	@Test
	void deadLettersAreKeptWithoutARetention() {
		this.runner.run((context) -> assertThat(context.getBean(Worker.class).deadLetterRetention()).isNull());
	}

	@Test
	void aRetentionThatIsNotPositiveIsReported() {
		this.runner.withPropertyValues("asynctasq.dead-letter.retention=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("asynctasq.dead-letter.retention"));
	}

	@Test
	void userQueueDriverReplacesTheMemoryDriverAndItsWarning(CapturedOutput output) {
		this.runner.withUserConfiguration(UserDriverConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(QueueDriver.class);
			assertThat(context.getBean(QueueDriver.class)).isSameAs(context.getBean("userDriver"));
			// the dispatcher and worker use the user's driver
			context.getBean(TaskDispatcher.class).task("Unknown.task").onQueue("elsewhere").dispatch();
			assertThat(context.getBean(UserDriver.class).counts("elsewhere").ready()).isEqualTo(1);
		});
		assertThat(output).doesNotContain(NON_DURABLE_WARNING);
	}

	@Test
	void userPayloadCodecBacksOff() {
		this.runner.withUserConfiguration(UserCodecConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(PayloadCodec.class);
			assertThat(context.getBean(PayloadCodec.class)).isSameAs(context.getBean("userCodec"));
		});
	}

	@Test
	void userTaskDispatcherBacksOff() {
		this.runner.withUserConfiguration(UserDispatcherConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(TaskDispatcher.class);
			assertThat(context.getBean(TaskDispatcher.class)).isSameAs(context.getBean("userDispatcher"));
			assertThat(context).doesNotHaveBean(DefaultTaskDispatcher.class);
		});
	}

	@Test
	void userWorkerBacksOff() {
		this.runner.withUserConfiguration(UserWorkerConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(Worker.class).doesNotHaveBean("asyncTasqWorker");
			Worker worker = context.getBean(Worker.class);
			assertThat(worker).isSameAs(context.getBean("userWorker"));
			assertThat(worker.settings().queues()).containsExactly("user-queue");
		});
	}

	@Test
	void userTaskRegistryBacksOffAndReceivesTheTasks() {
		this.runner.withUserConfiguration(UserRegistryConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(TaskRegistry.class);
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			assertThat(registry).isSameAs(context.getBean("userRegistry"));
			assertThat(registry.find("Greeter")).isPresent();
		});
	}

	@Test
	void userEventListenerBacksOffAndReceivesEvents() {
		this.runner.withUserConfiguration(UserListenerConfiguration.class)
			.withPropertyValues("asynctasq.worker.enabled=false")
			.run((context) -> {
				assertThat(context).hasSingleBean(AsyncTasqEventListener.class);
				String id = context.getBean(TaskDispatcher.class).dispatch("Remote.task", "x");
				List<AsyncTasqEvent> events = context.getBean(UserListenerConfiguration.class).events;
				assertThat(events).singleElement()
					.isInstanceOfSatisfying(TaskEvent.Enqueued.class, (enqueued) -> {
						assertThat(enqueued.taskId()).isEqualTo(id);
						assertThat(enqueued.taskName()).isEqualTo("Remote.task");
					});
			});
	}

	// ---------------------------------------------------------------- worker disabled

	@Test
	void workerDisabledLeavesADispatchOnlyApplication() {
		this.runner.withPropertyValues("asynctasq.worker.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(Worker.class).hasSingleBean(TaskDispatcher.class);
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			String id = dispatcher.dispatch("Reports.generate", 42);
			CompletableFuture<String> async = dispatcher.dispatchAsync("Reports.generate", 43);
			assertThat(id).isNotBlank();
			assertThat(async).succeedsWithin(Duration.ofSeconds(5)).isNotEqualTo(id);
			assertThat(context.getBean(QueueDriver.class).counts("default").ready()).isEqualTo(2);
		});
	}

	// ---------------------------------------------------------------- invalid values

	@Test
	void negativeConcurrencyStopsStartup() {
		assertStartupFails("asynctasq.worker.concurrency=-1", "asynctasq.worker.concurrency", "must be at least 1");
	}

	@Test
	void unknownDriverStopsStartupListingTheValidDrivers() {
		this.runner.withPropertyValues("asynctasq.driver=nosuch").run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			assertThat(chain(failure)).contains("asynctasq.driver").contains("nosuch");
			assertThat(causes(failure)).anySatisfy((cause) -> assertThat(cause).isInstanceOf(BindException.class));
			FailureAnalysis analysis = analyze(failure, "asynctasq.driver=nosuch");
			assertThat(analysis.getDescription()).contains("asynctasq.driver").contains("nosuch");
			assertThat(analysis.getAction()).contains("MEMORY", "REDIS", "RABBITMQ", "JDBC", "SQS");
		});
	}

	@Test
	void unparseableRetryDelayStopsStartup() {
		this.runner.withPropertyValues("asynctasq.task-defaults.retry-delay=abc").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(chain(context.getStartupFailure())).contains("asynctasq.task-defaults.retry-delay")
				.contains("abc");
			FailureAnalysis analysis = analyze(context.getStartupFailure(), "asynctasq.task-defaults.retry-delay=abc");
			assertThat(analysis.getDescription()).contains("asynctasq.task-defaults.retry-delay").contains("abc");
		});
	}

	@Test
	void jitterAboveOneStopsStartup() {
		assertStartupFails("asynctasq.task-defaults.jitter=2", "asynctasq.task-defaults.jitter",
				"must be between 0 and 1");
	}

	@Test
	void invalidDefaultQueueStopsStartup() {
		assertStartupFails("asynctasq.default-queue=bad name!", "asynctasq.default-queue",
				"Invalid queue name 'bad name!'", "letters, digits");
	}

	@Test
	void invalidWorkerQueueStopsStartup() {
		assertStartupFails("asynctasq.worker.queues=ok,no way", "asynctasq.worker.queues",
				"Invalid queue name 'no way'");
	}

	@Test
	void nonPositiveVisibilityTimeoutStopsStartup() {
		assertStartupFails("asynctasq.task-defaults.visibility-timeout=0s",
				"asynctasq.task-defaults.visibility-timeout", "must be a positive duration");
	}

	@Test
	void bindFailureAnalysisNamesThePropertyAndTheReason() {
		this.runner.withPropertyValues("asynctasq.worker.concurrency=-1").run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure(), "asynctasq.worker.concurrency=-1");
			assertThat(analysis.getDescription()).contains("asynctasq.worker.concurrency")
				.contains("-1")
				.contains("must be at least 1");
			assertThat(analysis.getAction()).isNotBlank();
		});
	}

	@Test
	void sqsWithoutItsAutoConfigurationStopsStartupNamingTheModuleToAdd() {
		assertDriverFailure("sqs", "add software.amazon.awssdk:sqs");
	}

	@Test
	void driverWithoutItsClientLibraryStopsStartupNamingTheStarterToAdd() {
		// only the core auto-configuration runs here, as when Spring Data Redis is not on the classpath
		assertDriverFailure("redis", "add spring-boot-starter-data-redis");
	}

	private void assertDriverFailure(String driver, String reason) {
		this.runner.withPropertyValues("asynctasq.driver=" + driver).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			assertThat(causes(failure)).filteredOn(InvalidAsyncTasqPropertyException.class::isInstance)
				.singleElement()
				.satisfies((cause) -> {
					InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) cause;
					assertThat(invalid.getName()).isEqualTo("asynctasq.driver");
					assertThat(invalid.getValue()).isEqualTo(driver);
					assertThat(invalid.getReason()).contains(reason);
				});
			FailureAnalysis analysis = analyze(failure, "asynctasq.driver=" + driver);
			assertThat(analysis.getDescription()).contains("asynctasq.driver").contains(driver).contains(reason);
			assertThat(analysis.getAction()).isNotBlank();
		});
	}

	// ---------------------------------------------------------------- binding

	@Test
	void propertiesBindIntoWorkerSettingsKeepingQueueOrder() {
		this.runner
			.withPropertyValues("asynctasq.default-queue=main", "asynctasq.worker.queues=critical,main,low",
					"asynctasq.worker.concurrency=3", "asynctasq.worker.poll-interval=500ms",
					"asynctasq.worker.heartbeat-interval=PT2S", "asynctasq.worker.executor=platform",
					"asynctasq.worker.shutdown-timeout=2s", "asynctasq.task-defaults.max-attempts=7",
					"asynctasq.task-defaults.timeout=PT1M", "asynctasq.task-defaults.retry-delay=500ms",
					"asynctasq.task-defaults.backoff=fixed", "asynctasq.task-defaults.max-retry-delay=10m",
					"asynctasq.task-defaults.jitter=0.25", "asynctasq.task-defaults.visibility-timeout=90s")
			.run((context) -> {
				WorkerSettings settings = context.getBean(Worker.class).settings();
				assertThat(settings.queues()).containsExactly("critical", "main", "low");
				assertThat(settings.concurrency()).isEqualTo(3);
				assertThat(settings.pollInterval()).isEqualTo(Duration.ofMillis(500));
				assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
				assertThat(settings.executorMode()).isEqualTo(ExecutorMode.PLATFORM);
				assertThat(settings.shutdownTimeout()).isEqualTo(Duration.ofSeconds(2));
				assertThat(settings.taskDefaults()).isEqualTo(new TaskOptions("main", 7, Duration.ofMinutes(1),
						Duration.ofMillis(500), Backoff.FIXED, Duration.ofMinutes(10), 0.25, Duration.ofSeconds(90)));
			});
	}

	@Test
	void indexedQueuesKeepTheirOrder() {
		this.runner
			.withPropertyValues("asynctasq.worker.queues[0]=zeta", "asynctasq.worker.queues[1]=alpha",
					"asynctasq.worker.queues[2]=mid")
			.run((context) -> assertThat(context.getBean(Worker.class).settings().queues())
				.containsExactly("zeta", "alpha", "mid"));
	}

	@Test
	void shutdownTimeoutIsBoundedByTheLifecyclePhaseTimeout() {
		this.runner
			.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=4s",
					"asynctasq.worker.shutdown-timeout=30s")
			.run((context) -> assertThat(context.getBean(Worker.class).settings().shutdownTimeout())
				.isEqualTo(Duration.ofSeconds(3)));
	}

	@Test
	void shutdownTimeoutWithinThePhaseTimeoutIsKept() {
		this.runner
			.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=4s", "asynctasq.worker.shutdown-timeout=2s")
			.run((context) -> assertThat(context.getBean(Worker.class).settings().shutdownTimeout())
				.isEqualTo(Duration.ofSeconds(2)));
	}

	// ---------------------------------------------------------------- helpers

	private void assertStartupFails(String property, String... expectedInChain) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(chain(context.getStartupFailure())).contains(expectedInChain);
		});
	}

	private static Throwable failureOf(Runnable action) {
		try {
			action.run();
		}
		catch (Throwable ex) {
			return ex;
		}
		throw new AssertionError("Expected a failure");
	}

	static List<Throwable> causes(Throwable failure) {
		return Stream.iterate(failure, Objects::nonNull, Throwable::getCause).toList();
	}

	/** Every message of the failure and its causes, one per line. */
	static String chain(Throwable failure) {
		return causes(failure).stream().map(Throwable::toString).collect(Collectors.joining("\n"));
	}

	/** Runs Spring Boot's failure analyzers, as SpringApplication does on a failed startup. */
	static FailureAnalysis analyze(Throwable failure, String... properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("test", Stream.of(properties)
				.map((property) -> property.split("=", 2))
				.collect(Collectors.toMap((pair) -> pair[0], (pair) -> (Object) pair[1]))));
		SpringFactoriesLoader.ArgumentResolver arguments = SpringFactoriesLoader.ArgumentResolver
			.of(Environment.class, environment)
			.and(org.springframework.beans.factory.BeanFactory.class, new DefaultListableBeanFactory());
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
			.load(FailureAnalyzer.class, arguments, (type, implementation, ex) -> {
				// analyzers of absent libraries (e.g. Bean Validation) are skipped, as SpringApplication does
			});
		for (FailureAnalyzer analyzer : analyzers) {
			FailureAnalysis analysis = analyzer.analyze(failure);
			if (analysis != null) {
				return analysis;
			}
		}
		throw new AssertionError("No failure analyzer explains " + chain(failure));
	}

	// ---------------------------------------------------------------- user configurations

	static class UserDriver extends MemoryDriver {

	}

	@Configuration(proxyBeanMethods = false)
	static class UserDriverConfiguration {

		@Bean
		UserDriver userDriver() {
			return new UserDriver();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserCodecConfiguration {

		@Bean
		PayloadCodec userCodec() {
			return new PayloadCodec();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserDispatcherConfiguration {

		@Bean
		TaskDispatcher userDispatcher() {
			return new TaskDispatcher() {

				@Override
				public String dispatch(String taskName, Object... args) {
					return "user";
				}

				@Override
				public CompletableFuture<String> dispatchAsync(String taskName, Object... args) {
					return CompletableFuture.completedFuture("user");
				}

				@Override
				public TaskDispatch task(String taskName) {
					throw new UnsupportedOperationException();
				}

				@Override
				public TaskDispatch task(Class<? extends TaskHandler<?>> handlerType) {
					throw new UnsupportedOperationException();
				}

				@Override
				public TaskDispatch taskOf(Object methodReference) {
					throw new UnsupportedOperationException();
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserWorkerConfiguration {

		@Bean
		Worker userWorker(QueueDriver driver, TaskRegistry registry, PayloadCodec codec) {
			return new Worker(driver, registry, codec,
					new WorkerSettings(List.of("user-queue"), 1, Duration.ofSeconds(1), Duration.ofMillis(100),
							Duration.ofSeconds(30), ExecutorMode.PLATFORM, TaskOptions.DEFAULTS),
					AsyncTasqEventListener.NONE);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserRegistryConfiguration {

		@Bean
		static TaskRegistry userRegistry() {
			return new TaskRegistry();
		}

		@Bean
		Greeter greeter() {
			return new Greeter();
		}

	}

	static class Greeter implements TaskHandler<String> {

		@Override
		public void execute(String payload, io.asynctasq.TaskContext context) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserListenerConfiguration {

		final List<AsyncTasqEvent> events = new CopyOnWriteArrayList<>();

		@Bean
		AsyncTasqEventListener userListener() {
			return this.events::add;
		}

	}

}
