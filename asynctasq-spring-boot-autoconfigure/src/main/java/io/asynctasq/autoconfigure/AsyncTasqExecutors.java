package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.concurrent.Executor;

import io.asynctasq.runtime.InfrastructureLifecycle;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.TaskExecutors;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * The worker's and the dispatcher's executors, built with Boot's executor builders: virtual threads follow
 * {@code asynctasq.worker.executor} and {@code spring.threads.virtual.enabled}; a platform pool is a
 * {@link ThreadPoolTaskExecutor} bean, so Boot's executor metrics include it.
 */
final class AsyncTasqExecutors {

	/** The worker's executor stops after the infrastructure closed it, never before the worker drained. */
	private static final int PHASE = InfrastructureLifecycle.DEFAULT_PHASE - 1;

	private static final boolean contextPropagationPresent = ClassUtils
		.isPresent("io.micrometer.context.ContextSnapshotFactory", AsyncTasqExecutors.class.getClassLoader());

	private AsyncTasqExecutors() {
	}

	/**
	 * What {@code configured} means here: {@code auto} follows {@code spring.threads.virtual.enabled} when it is
	 * set, else takes virtual threads on Java 21+.
	 * @throws IllegalStateException when virtual threads are required and the JVM lacks them
	 */
	static ExecutorMode resolve(ExecutorMode configured, Environment environment) {
		if (configured == ExecutorMode.VIRTUAL && !TaskExecutors.virtualThreadsAvailable()) {
			throw new IllegalStateException("asynctasq.worker.executor=virtual needs Java 21 or later; this JVM is "
					+ Runtime.version() + ". Use 'auto' or 'platform'.");
		}
		if (configured != ExecutorMode.AUTO) {
			return configured;
		}
		Boolean bootVirtual = environment.getProperty("spring.threads.virtual.enabled", Boolean.class);
		boolean virtual = (bootVirtual != null) ? bootVirtual : true;
		return (virtual && TaskExecutors.virtualThreadsAvailable()) ? ExecutorMode.VIRTUAL : ExecutorMode.PLATFORM;
	}

	/**
	 * The executor for task code: a virtual thread per task, or a pool of {@code concurrency} platform threads.
	 * No decorator: a task's context comes from its envelope's headers and the execution interceptors, not from
	 * the worker's own thread that submits it.
	 */
	static AsyncTaskExecutor taskExecutor(ExecutorMode mode, int concurrency,
			@Nullable SimpleAsyncTaskExecutorBuilder simple, @Nullable ThreadPoolTaskExecutorBuilder pool) {
		String prefix = "asynctasq-task-";
		if (mode == ExecutorMode.VIRTUAL) {
			return virtual(simple, prefix, null);
		}
		ThreadPoolTaskExecutor executor = ((pool != null) ? pool : new ThreadPoolTaskExecutorBuilder())
			.corePoolSize(concurrency)
			.maxPoolSize(concurrency)
			.queueCapacity(Integer.MAX_VALUE)
			.allowCoreThreadTimeOut(true)
			.keepAlive(Duration.ofSeconds(60))
			.threadNamePrefix(prefix)
			.taskDecorator(null)
			.build();
		return managedByTheInfrastructure(executor);
	}

	/**
	 * The executor for CPU-bound tasks: {@code threads} platform threads, started on demand, never virtual ones
	 * (a CPU-bound task would hold its carrier), kept running until the infrastructure closes it.
	 */
	static ThreadPoolTaskExecutor cpuExecutor(int threads, @Nullable ThreadPoolTaskExecutorBuilder pool) {
		ThreadPoolTaskExecutor executor = ((pool != null) ? pool : new ThreadPoolTaskExecutorBuilder())
			.corePoolSize(threads)
			.maxPoolSize(threads)
			.queueCapacity(Integer.MAX_VALUE)
			.allowCoreThreadTimeOut(true)
			.keepAlive(Duration.ofSeconds(60))
			.threadNamePrefix("asynctasq-cpu-")
			.taskDecorator(null)
			.build();
		return managedByTheInfrastructure(executor);
	}

	/**
	 * The executor dispatches send on: elastic (its callers bound the concurrency), with the application's
	 * {@link TaskDecorator}, else one that propagates the caller's context (trace, MDC, security) when Micrometer's
	 * context-propagation is present. Not a lifecycle bean: a stopped context may still dispatch (its tasks wait
	 * for the worker); the dispatcher shuts it down when it closes.
	 */
	static Executor dispatchExecutor(ExecutorMode mode, @Nullable TaskDecorator applicationDecorator,
			@Nullable SimpleAsyncTaskExecutorBuilder simple, @Nullable ThreadPoolTaskExecutorBuilder pool) {
		String prefix = "asynctasq-dispatch-";
		TaskDecorator decorator = (applicationDecorator != null) ? applicationDecorator
				: contextPropagationPresent ? new ContextPropagatingTaskDecorator() : null;
		if (mode == ExecutorMode.VIRTUAL) {
			return virtual(simple, prefix, decorator);
		}
		ThreadPoolTaskExecutor executor = ((pool != null) ? pool : new ThreadPoolTaskExecutorBuilder())
			.corePoolSize(0)
			.maxPoolSize(Integer.MAX_VALUE)
			.queueCapacity(0)
			.keepAlive(Duration.ofSeconds(60))
			.threadNamePrefix(prefix)
			.taskDecorator(decorator)
			.build();
		executor.setDaemon(true);
		executor.initialize();
		return executor.getThreadPoolExecutor();
	}

	/**
	 * What the worker runs task code on: the application's executor bean that {@code asynctasq.worker.task-executor}
	 * names, seen as a plain {@link Executor} so the worker never shuts it down, else the library's own.
	 * @throws InvalidAsyncTasqPropertyException when the property names no executor bean
	 */
	static Executor taskExecutorOfWorker(@Nullable String beanName, ObjectProvider<Executor> own,
			ListableBeanFactory beans) {
		if (!StringUtils.hasText(beanName)) {
			return forWorker(own.getObject());
		}
		String name = beanName.trim();
		Executor executor = executorBean(beans, name);
		if (executor == null) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.worker.task-executor", name,
					"names no bean of this application", "Declare an Executor bean named '" + name
							+ "', or remove asynctasq.worker.task-executor to run tasks on the worker's own executor.");
		}
		return executor::execute;
	}

	/**
	 * The application's executor bean named {@code name}, or {@code null} when there is no bean of that name.
	 * @throws IllegalStateException when the bean of that name is not an {@link Executor}
	 */
	static @Nullable Executor executorBean(ListableBeanFactory beans, String name) {
		if (!beans.containsBean(name)) {
			return null;
		}
		Object bean = beans.getBean(name);
		if (bean instanceof Executor executor) {
			return executor;
		}
		throw new IllegalStateException("The bean '" + name + "' that tasks are to run on is a "
				+ bean.getClass().getName() + ", not a java.util.concurrent.Executor");
	}

	/** What the worker runs tasks on: a pool's own {@code ExecutorService}, so the worker can shut it down. */
	static Executor forWorker(Executor executor) {
		return (executor instanceof ThreadPoolTaskExecutor pool) ? pool.getThreadPoolExecutor() : executor;
	}

	private static SimpleAsyncTaskExecutor virtual(@Nullable SimpleAsyncTaskExecutorBuilder builder, String prefix,
			@Nullable TaskDecorator decorator) {
		return ((builder != null) ? builder : new SimpleAsyncTaskExecutorBuilder()).virtualThreads(true)
			.threadNamePrefix(prefix)
			.concurrencyLimit(null)
			.rejectTasksWhenLimitReached(false)
			.cancelRemainingTasksOnClose(true)
			.taskTerminationTimeout(Duration.ofSeconds(5))
			.taskDecorator(decorator)
			.build();
	}

	/**
	 * Spring stops a pool early on context close and pauses it at its lifecycle phase; this one must keep
	 * running while the worker drains, until the infrastructure closes it.
	 */
	private static ThreadPoolTaskExecutor managedByTheInfrastructure(ThreadPoolTaskExecutor executor) {
		executor.setAcceptTasksAfterContextClose(true);
		executor.setWaitForTasksToCompleteOnShutdown(false);
		executor.setPhase(PHASE);
		return executor;
	}

}
