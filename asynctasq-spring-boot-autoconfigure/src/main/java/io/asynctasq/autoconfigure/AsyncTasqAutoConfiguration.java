package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executor;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.dispatch.DispatchInterceptor;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.AsyncTasqEventRecorder;
import io.asynctasq.inspection.TaskInspector;
import io.asynctasq.inspection.TaskResultStore;
import io.asynctasq.runtime.AsyncTasqComponents;
import io.asynctasq.runtime.InfrastructureLifecycle;
import io.asynctasq.task.TaskAnnotationBeanPostProcessor;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.TaskExecutionInterceptor;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Auto-configuration of AsyncTasQ: the task registry, the driver chosen by {@code asynctasq.driver},
 * the {@link TaskDispatcher}, the worker and their lifecycle. Every bean backs off when the
 * application defines its own. Events go to the {@link AsyncTasqEventListener} (Spring application events
 * unless the application has its own) and to every {@link AsyncTasqEventRecorder} bean (metrics). Every
 * {@link DispatchInterceptor} and {@link TaskExecutionInterceptor} bean applies, in order, to every dispatch and
 * attempt, and every {@link AsyncTasqWorkerCustomizer} to the worker.
 */
@AutoConfiguration(after = TaskExecutionAutoConfiguration.class,
		afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@EnableConfigurationProperties({ AsyncTasqProperties.class, AsyncTasqDispatchProperties.class,
		AsyncTasqResultsProperties.class })
public final class AsyncTasqAutoConfiguration {

	/** The bean name of the executor that runs task code. */
	public static final String TASK_EXECUTOR = "asyncTasqTaskExecutor";

	/** The bean name of the executor that runs the driver calls of dispatches. */
	public static final String DISPATCH_EXECUTOR = "asyncTasqDispatchExecutor";

	private static final Logger logger = LoggerFactory.getLogger(AsyncTasqAutoConfiguration.class);

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static AsyncTasqPropertiesValidator asyncTasqPropertiesValidator() {
		return new AsyncTasqPropertiesValidator();
	}

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static TaskRegistry asyncTasqTaskRegistry() {
		return new TaskRegistry();
	}

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static TaskAnnotationBeanPostProcessor asyncTasqTaskAnnotationBeanPostProcessor(
			ObjectProvider<TaskRegistry> registry) {
		return new TaskAnnotationBeanPostProcessor(registry.getObject());
	}

	/**
	 * The codec, on the application's {@code JsonMapper} when it has one (Boot's, configured by
	 * {@code spring.jackson.*}, its modules and serializers) with default typing refused; else on its own mapper.
	 */
	@Bean
	@ConditionalOnMissingBean
	PayloadCodec asyncTasqPayloadCodec(ObjectProvider<JsonMapper> applicationMapper) {
		JsonMapper mapper = applicationMapper.getIfUnique();
		return (mapper != null) ? PayloadCodec.basedOn(mapper) : new PayloadCodec();
	}

	@Bean
	@ConditionalOnMissingBean
	QueueDriver asyncTasqQueueDriver(AsyncTasqProperties properties) {
		if (properties.getDriver() != AsyncTasqProperties.Driver.MEMORY) {
			// the driver's own auto-configuration did not apply: its client library is missing
			throw missingDriver(properties.getDriver());
		}
		logger.warn("AsyncTasQ uses the in-memory driver: tasks are not durable and are lost when the application "
				+ "stops. Set asynctasq.driver to a durable driver for production.");
		return new MemoryDriver();
	}

	@Bean
	@ConditionalOnMissingBean
	AsyncTasqEventListener asyncTasqEventListener(ApplicationEventPublisher publisher) {
		return publisher::publishEvent;
	}

	/**
	 * Runs the driver calls of dispatches; elastic, on virtual threads when the worker's would be, with the
	 * application's {@link TaskDecorator} or one propagating the caller's context. Not a default candidate, so
	 * it neither replaces nor competes with the application's own executor.
	 */
	@Bean(name = DISPATCH_EXECUTOR, defaultCandidate = false)
	@ConditionalOnMissingBean(name = DISPATCH_EXECUTOR)
	Executor asyncTasqDispatchExecutor(AsyncTasqProperties properties, Environment environment,
			ObjectProvider<TaskDecorator> decorator, ObjectProvider<SimpleAsyncTaskExecutorBuilder> simple,
			ObjectProvider<ThreadPoolTaskExecutorBuilder> pool) {
		return AsyncTasqExecutors.dispatchExecutor(
				AsyncTasqExecutors.resolve(properties.getWorker().getExecutor(), environment), decorator.getIfUnique(),
				simple.getIfUnique(), pool.getIfUnique());
	}

	@Bean
	@ConditionalOnMissingBean(TaskDispatcher.class)
	DefaultTaskDispatcher taskDispatcher(QueueDriver driver, TaskRegistry registry, PayloadCodec codec,
			AsyncTasqProperties properties, AsyncTasqDispatchProperties dispatch, AsyncTasqEventListener events,
			ObjectProvider<AsyncTasqEventRecorder> recorders, ObjectProvider<DispatchInterceptor> interceptors,
			@Qualifier(DISPATCH_EXECUTOR) Executor dispatchExecutor) {
		DefaultTaskDispatcher dispatcher = AsyncTasqComponents.dispatcher(driver, registry, codec,
				properties.getDefaultQueue(), dispatch.getTimeout(), dispatch.getMaxPayloadSize().toBytes(),
				AsyncTasqEventListener.withRecorders(events, recorders.orderedStream().toList()), dispatchExecutor);
		dispatcher.setInterceptors(interceptors.orderedStream().toList());
		return dispatcher;
	}

	/**
	 * Runs task code: a virtual thread per task, or a pool of {@code asynctasq.worker.concurrency} platform
	 * threads that Boot's executor metrics include (tag {@code name=asyncTasqTaskExecutor}).
	 */
	@Bean(name = TASK_EXECUTOR, defaultCandidate = false)
	@ConditionalOnMissingBean(name = TASK_EXECUTOR)
	@ConditionalOnProperty(name = "asynctasq.worker.enabled", matchIfMissing = true)
	@ConditionalOnExpression("'${asynctasq.worker.task-executor:}'.isBlank()")
	AsyncTaskExecutor asyncTasqTaskExecutor(AsyncTasqProperties properties, Environment environment,
			ObjectProvider<SimpleAsyncTaskExecutorBuilder> simple, ObjectProvider<ThreadPoolTaskExecutorBuilder> pool) {
		return AsyncTasqExecutors.taskExecutor(
				AsyncTasqExecutors.resolve(properties.getWorker().getExecutor(), environment),
				properties.getWorker().getConcurrency(), simple.getIfUnique(), pool.getIfUnique());
	}

	/**
	 * Runs the tasks declared with {@code @Task(executor = Task.CPU_EXECUTOR)}: {@code asynctasq.worker.cpu-threads}
	 * platform threads (one per processor by default), started on demand, in Boot's executor metrics with tag
	 * {@code name=asyncTasqCpuExecutor}.
	 */
	@Bean(name = Task.CPU_EXECUTOR, defaultCandidate = false)
	@ConditionalOnMissingBean(name = Task.CPU_EXECUTOR)
	@ConditionalOnProperty(name = "asynctasq.worker.enabled", matchIfMissing = true)
	ThreadPoolTaskExecutor asyncTasqCpuExecutor(AsyncTasqProperties properties,
			ObjectProvider<ThreadPoolTaskExecutorBuilder> pool) {
		Integer threads = properties.getWorker().getCpuThreads();
		return AsyncTasqExecutors.cpuExecutor((threads != null) ? threads : Runtime.getRuntime().availableProcessors(),
				pool.getIfUnique());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(name = "asynctasq.worker.enabled", matchIfMissing = true)
	Worker asyncTasqWorker(QueueDriver driver, TaskRegistry registry, PayloadCodec codec,
			AsyncTasqProperties properties, AsyncTasqEventListener events, ObjectProvider<AsyncTasqEventRecorder> recorders,
			Environment environment, AsyncTasqResultsProperties results, ObjectProvider<TaskResultStore> resultStore,
			ObjectProvider<TaskExecutionInterceptor> interceptors, ObjectProvider<AsyncTasqWorkerCustomizer> customizers,
			@Qualifier(TASK_EXECUTOR) ObjectProvider<Executor> ownExecutor, ListableBeanFactory beans) {
		Worker worker = new Worker(driver, registry, codec, workerSettings(properties, environment),
				AsyncTasqEventListener.withRecorders(events, recorders.orderedStream().toList()),
				AsyncTasqExecutors.taskExecutorOfWorker(properties.getWorker().getTaskExecutor(), ownExecutor, beans));
		worker.setTaskExecutors((name) -> AsyncTasqExecutors.executorBean(beans, name));
		TaskResultStore store = resultStore(driver, results, resultStore);
		if (store != null) {
			worker.recordResults(store.driver(), results.getTtl());
		}
		Duration retention = properties.getDeadLetter().getRetention();
		if (retention != null) {
			worker.expireDeadLettersAfter(retention);
		}
		worker.setExecutionInterceptors(interceptors.orderedStream().toList());
		customizers.orderedStream().forEach((customizer) -> customizer.customize(worker));
		return worker;
	}

	@Bean
	@ConditionalOnMissingBean
	TaskInspector asyncTasqTaskInspector(QueueDriver driver, PayloadCodec codec, TaskRegistry registry,
			AsyncTasqProperties properties, ObjectProvider<Worker> worker, AsyncTasqResultsProperties results,
			ObjectProvider<TaskResultStore> resultStore) {
		TaskResultStore store = resultStore(driver, results, resultStore);
		return new TaskInspector(driver, (store != null) ? store.driver() : null, codec,
				() -> AsyncTasqComponents.knownQueues(worker.getIfAvailable(), properties.getWorker().getQueues(),
						properties.getDefaultQueue(), registry));
	}

	/**
	 * Where results are kept, when they are enabled: the application's store, else the queue driver when
	 * {@code asynctasq.results.store=driver}.
	 * @throws InvalidAsyncTasqPropertyException when results are enabled and there is no store for them
	 */
	private static @Nullable TaskResultStore resultStore(QueueDriver driver, AsyncTasqResultsProperties results,
			ObjectProvider<TaskResultStore> resultStore) {
		if (!results.isEnabled()) {
			return null;
		}
		TaskResultStore store = resultStore.getIfAvailable(
				() -> (results.getStore() == AsyncTasqResultsProperties.Store.DRIVER)
						? AsyncTasqResultsAutoConfiguration.inQueueDriver(driver) : null);
		if (store == null) {
			String name = results.getStore().name().toLowerCase(Locale.ROOT);
			throw new InvalidAsyncTasqPropertyException("asynctasq.results.store", name,
					"Task results go to the application's " + (name.equals("jdbc") ? "DataSource" : "Redis")
							+ ", and there is not exactly one.",
					"Define one " + (name.equals("jdbc") ? "DataSource (spring.datasource.url)"
							: "RedisConnectionFactory (spring.data.redis.host)")
							+ ", or set asynctasq.results.store to another store.");
		}
		return store;
	}

	@Bean
	@ConditionalOnMissingBean
	InfrastructureLifecycle asyncTasqInfrastructureLifecycle(ObjectProvider<TaskDispatcher> dispatcher,
			ObjectProvider<Worker> worker, QueueDriver driver) {
		TaskDispatcher taskDispatcher = dispatcher.getIfAvailable();
		return new InfrastructureLifecycle(AsyncTasqComponents.shutdownSequence(
				(taskDispatcher instanceof DefaultTaskDispatcher closeable) ? closeable : null, worker.getIfAvailable(),
				driver));
	}

	/** {@code driver}'s own auto-configuration did not apply: its client library is missing, or it has none. */
	private static InvalidAsyncTasqPropertyException missingDriver(AsyncTasqProperties.Driver driver) {
		String name = driver.name().toLowerCase(Locale.ROOT);
		return switch (driver) {
			case REDIS -> new InvalidAsyncTasqPropertyException("asynctasq.driver", name,
					"The redis driver needs Spring Data Redis: add spring-boot-starter-data-redis.",
					"Add spring-boot-starter-data-redis to the application's dependencies, or set asynctasq.driver "
							+ "to another driver.");
			case RABBITMQ -> new InvalidAsyncTasqPropertyException("asynctasq.driver", name,
					"The rabbitmq driver needs Spring AMQP: add spring-boot-starter-amqp.",
					"Add spring-boot-starter-amqp to the application's dependencies, or set asynctasq.driver to "
							+ "another driver.");
			case JDBC -> new InvalidAsyncTasqPropertyException("asynctasq.driver", name,
					"The jdbc driver needs Spring JDBC and a DataSource: add spring-boot-starter-jdbc.",
					"Add spring-boot-starter-jdbc and your database's JDBC driver to the application's "
							+ "dependencies, or set asynctasq.driver to another driver.");
			case SQS -> new InvalidAsyncTasqPropertyException("asynctasq.driver", name,
					"The sqs driver needs the AWS SDK's SQS module: add software.amazon.awssdk:sqs.",
					"Add software.amazon.awssdk:sqs (or Spring Cloud AWS's SQS starter) to the application's "
							+ "dependencies, or set asynctasq.driver to another driver.");
			case MEMORY -> throw new IllegalArgumentException("memory needs nothing");
		};
	}

	static WorkerSettings workerSettings(AsyncTasqProperties properties, Environment environment) {
		AsyncTasqProperties.Worker worker = properties.getWorker();
		return AsyncTasqComponents.workerSettings(worker.getQueues(), worker.getConcurrency(), worker.getPrefetch(),
				boundedShutdownTimeout(worker.getShutdownTimeout(), environment), worker.getPollInterval(),
				worker.getHeartbeatInterval(), AsyncTasqExecutors.resolve(worker.getExecutor(), environment),
				properties.getTaskDefaults().toOptions(properties.getDefaultQueue()), worker.getUnknownTaskGrace());
	}

	/**
	 * The worker's drain must end within the context's phase timeout, or the context stops waiting
	 * before unfinished tasks are released; keep a quarter of the phase for releasing them.
	 */
	private static Duration boundedShutdownTimeout(Duration configured, Environment environment) {
		// bound like Boot's own properties ("4s", "PT4S"), whatever the environment's conversion service
		Duration phase = Binder.get(environment)
			.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
			.orElse(Duration.ofSeconds(30));
		Duration bound = phase.multipliedBy(3).dividedBy(4);
		if (configured.compareTo(bound) > 0) {
			logger.info("asynctasq.worker.shutdown-timeout {} is limited to {} by "
					+ "spring.lifecycle.timeout-per-shutdown-phase {}", configured, bound, phase);
			return bound;
		}
		return configured;
	}

}
