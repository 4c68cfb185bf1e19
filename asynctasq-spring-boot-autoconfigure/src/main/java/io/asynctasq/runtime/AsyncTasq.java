package io.asynctasq.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.dispatch.DispatchInterceptor;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.inspection.TaskInspector;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.TaskExecutionInterceptor;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;

/**
 * Entry point for using AsyncTasQ without Spring Boot:
 * <pre>{@code
 * try (AsyncTasqRuntime runtime = AsyncTasq.builder().tasks(new EmailTasks()).build()) {
 *     runtime.dispatcher().dispatch(EmailTasks::sendEmail, "a@b.c", "Hi");
 * }
 * }</pre>
 */
public final class AsyncTasq {

	private AsyncTasq() {
	}

	public static Builder builder() {
		return new Builder();
	}

	/** Builds an {@link AsyncTasqRuntime}; every setting has the same default as the Spring Boot starter. */
	public static final class Builder {

		private QueueDriver driver;

		private final List<Object> taskBeans = new ArrayList<>();

		private TaskOptions taskDefaults = TaskOptions.DEFAULTS;

		private boolean workerEnabled = true;

		private List<String> queues = List.of();

		private Duration unknownTaskGrace = WorkerSettings.DEFAULT_UNKNOWN_TASK_GRACE;

		private Duration dispatchTimeout = DefaultTaskDispatcher.DEFAULT_TIMEOUT;

		private long maxPayloadSize = DefaultTaskDispatcher.DEFAULT_MAX_PAYLOAD_SIZE;

		private int concurrency = WorkerSettings.DEFAULT_CONCURRENCY;

		private Integer prefetch;

		private Duration shutdownTimeout = WorkerSettings.DEFAULT_SHUTDOWN_TIMEOUT;

		private Duration pollInterval = WorkerSettings.DEFAULT_POLL_INTERVAL;

		private Duration heartbeatInterval = WorkerSettings.DEFAULT_HEARTBEAT_INTERVAL;

		private ExecutorMode executorMode = WorkerSettings.DEFAULT_EXECUTOR_MODE;

		private PayloadCodec codec = new PayloadCodec();

		private AsyncTasqEventListener listener = AsyncTasqEventListener.NONE;

		private @Nullable Duration resultTtl;

		private @Nullable Duration deadLetterRetention;

		private final List<DispatchInterceptor> dispatchInterceptors = new ArrayList<>();

		private final List<TaskExecutionInterceptor> executionInterceptors = new ArrayList<>();

		private @Nullable Executor taskExecutor;

		private final Map<String, Executor> namedTaskExecutors = new HashMap<>();

		private Builder() {
		}

		/** The driver; defaults to a new {@link MemoryDriver}. The runtime closes it. */
		public Builder driver(QueueDriver driver) {
			this.driver = driver;
			return this;
		}

		/** Objects whose {@code @Task} methods (or which, as {@code TaskHandler}s) are registered. */
		public Builder tasks(Object... beans) {
			this.taskBeans.addAll(List.of(beans));
			return this;
		}

		/** Defaults of every task option; unset ones keep the built-in defaults. */
		public Builder taskDefaults(TaskOptions defaults) {
			this.taskDefaults = defaults.orElse(TaskOptions.DEFAULTS);
			return this;
		}

		/** Whether to run a worker (default true); false for a dispatch-only runtime. */
		public Builder worker(boolean enabled) {
			this.workerEnabled = enabled;
			return this;
		}

		/**
		 * Queues the worker serves, in strict priority order; by default the default queue, then the queue of
		 * every registered task.
		 */
		public Builder queues(String... queues) {
			this.queues = List.of(queues);
			return this;
		}

		public Builder concurrency(int concurrency) {
			this.concurrency = concurrency;
			return this;
		}

		/** Tasks reserved ahead of a free thread; defaults to the concurrency. */
		public Builder prefetch(int prefetch) {
			this.prefetch = prefetch;
			return this;
		}

		public Builder shutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
			return this;
		}

		public Builder pollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
			return this;
		}

		public Builder heartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
			return this;
		}

		/** How long a task the worker cannot run keeps going back to its queue; default 1 h. */
		public Builder unknownTaskGrace(Duration unknownTaskGrace) {
			this.unknownTaskGrace = unknownTaskGrace;
			return this;
		}

		/** The longest a dispatch waits for the driver; default 5 s. */
		public Builder dispatchTimeout(Duration dispatchTimeout) {
			this.dispatchTimeout = dispatchTimeout;
			return this;
		}

		/** The largest encoded task a dispatch accepts, in bytes; default 1 MiB. */
		public Builder maxPayloadSize(long maxPayloadSize) {
			this.maxPayloadSize = maxPayloadSize;
			return this;
		}

		public Builder executorMode(ExecutorMode executorMode) {
			this.executorMode = executorMode;
			return this;
		}

		/**
		 * Runs task code on {@code executor} instead of the worker's own ({@link #executorMode}); the application
		 * owns it and keeps it running until the runtime has closed.
		 */
		public Builder taskExecutor(Executor executor) {
			this.taskExecutor = executor;
			return this;
		}

		/**
		 * An executor that tasks name with {@code @Task(executor = name)}; the application owns it and keeps it
		 * running until the runtime has closed. Under {@link io.asynctasq.Task#CPU_EXECUTOR} it replaces the CPU
		 * pool the worker otherwise creates (one platform thread per core).
		 */
		public Builder taskExecutor(String name, Executor executor) {
			this.namedTaskExecutors.put(name, executor);
			return this;
		}

		public Builder codec(PayloadCodec codec) {
			this.codec = codec;
			return this;
		}

		/** Receives every task and worker event. */
		public Builder listener(AsyncTasqEventListener listener) {
			this.listener = listener;
			return this;
		}

		/**
		 * Keeps each task's result (its latest attempt's outcome, error and return value) for {@code ttl} in the
		 * driver, for {@link AsyncTasqRuntime#inspector()}. The driver must store results (memory, Redis, JDBC).
		 */
		public Builder results(Duration ttl) {
			this.resultTtl = ttl;
			return this;
		}

		/**
		 * Deletes dead letters once they are older than {@code retention}: the worker expires those of its queues
		 * every minute ({@link Worker#expireDeadLettersAfter}). A RabbitMQ driver needs it when it is built (its
		 * broker expires them). Not called: dead letters are kept until retried, deleted or purged.
		 */
		public Builder deadLetterRetention(Duration retention) {
			this.deadLetterRetention = retention;
			return this;
		}

		/** Adds interceptors of every dispatch, applied after those added before (the first added runs first). */
		public Builder dispatchInterceptors(DispatchInterceptor... interceptors) {
			this.dispatchInterceptors.addAll(List.of(interceptors));
			return this;
		}

		/** Adds interceptors of every attempt, inside those added before (the first added is the outermost). */
		public Builder executionInterceptors(TaskExecutionInterceptor... interceptors) {
			this.executionInterceptors.addAll(List.of(interceptors));
			return this;
		}

		private Worker worker(QueueDriver queueDriver, TaskRegistry registry, WorkerSettings settings) {
			Executor own = this.taskExecutor;
			// a plain Executor view of the application's: the worker closes the executors it owns, not this one
			Worker worker = (own != null)
					? new Worker(queueDriver, registry, this.codec, settings, this.listener, own::execute)
					: new Worker(queueDriver, registry, this.codec, settings, this.listener);
			worker.setTaskExecutors(Map.copyOf(this.namedTaskExecutors)::get);
			return worker;
		}

		/** Creates the runtime and starts its worker. */
		public AsyncTasqRuntime build() {
			TaskRegistry registry = new TaskRegistry();
			AnnotatedTasks annotated = new AnnotatedTasks(null);
			for (Object bean : this.taskBeans) {
				annotated.registerTasksOf(bean, registry);
			}
			WorkerSettings settings = this.workerEnabled ? AsyncTasqComponents.workerSettings(this.queues,
					this.concurrency, this.prefetch, this.shutdownTimeout, this.pollInterval, this.heartbeatInterval,
					this.executorMode, this.taskDefaults, this.unknownTaskGrace) : null;
			QueueDriver queueDriver = DriverFacade.of((this.driver != null) ? this.driver : new MemoryDriver());
			DefaultTaskDispatcher dispatcher = AsyncTasqComponents.dispatcher(queueDriver, registry, this.codec,
					this.taskDefaults.queue(), this.dispatchTimeout, this.maxPayloadSize, this.listener);
			Worker worker = (settings != null) ? worker(queueDriver, registry, settings) : null;
			dispatcher.setInterceptors(this.dispatchInterceptors);
			if (worker != null) {
				worker.setExecutionInterceptors(this.executionInterceptors);
				if (this.deadLetterRetention != null) {
					worker.expireDeadLettersAfter(this.deadLetterRetention);
				}
			}
			if (this.resultTtl != null) {
				if (!queueDriver.storesResults()) {
					throw new IllegalStateException("The " + queueDriver.name() + " driver does not store task results; "
							+ "build without results(...) or use a driver that stores them (memory, redis, jdbc)");
				}
				if (worker != null) {
					worker.recordResults(this.resultTtl);
				}
			}
			List<String> queues = this.queues;
			String defaultQueue = (this.taskDefaults.queue() != null) ? this.taskDefaults.queue()
					: TaskOptions.DEFAULTS.queue();
			TaskInspector inspector = new TaskInspector(queueDriver, (this.resultTtl != null) ? queueDriver : null,
					this.codec, () -> AsyncTasqComponents.knownQueues(worker, queues, defaultQueue, registry));
			ShutdownSequence shutdown = AsyncTasqComponents.shutdownSequence(dispatcher, worker, queueDriver);
			AsyncTasqRuntime runtime = new AsyncTasqRuntime(queueDriver, registry, dispatcher, worker, inspector,
					shutdown);
			if (worker != null) {
				try {
					worker.start();
				}
				catch (RuntimeException ex) {
					runtime.close(); // what was built so far: the dispatcher's threads, the driver's connections
					throw ex;
				}
			}
			return runtime;
		}

	}

}
