package io.asynctasq.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.TaskExecutors;
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

		private int concurrency = 10;

		private Integer prefetch;

		private Duration shutdownTimeout = Duration.ofSeconds(30);

		private Duration pollInterval = Duration.ofSeconds(1);

		private Duration heartbeatInterval = Duration.ofSeconds(30);

		private ExecutorMode executorMode = ExecutorMode.AUTO;

		private PayloadCodec codec = new PayloadCodec();

		private AsyncTasqEventListener listener = AsyncTasqEventListener.NONE;

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

		public Builder codec(PayloadCodec codec) {
			this.codec = codec;
			return this;
		}

		/** Receives every task and worker event. */
		public Builder listener(AsyncTasqEventListener listener) {
			this.listener = listener;
			return this;
		}

		/** Creates the runtime and starts its worker. */
		public AsyncTasqRuntime build() {
			QueueDriver queueDriver = DriverFacade.of((this.driver != null) ? this.driver : new MemoryDriver());
			TaskRegistry registry = new TaskRegistry();
			AnnotatedTasks annotated = new AnnotatedTasks(null);
			for (Object bean : this.taskBeans) {
				annotated.registerTasksOf(bean, registry);
			}
			ExecutorService dispatchExecutor = TaskExecutors.createElastic(ExecutorMode.AUTO, "asynctasq-dispatch-");
			DefaultTaskDispatcher dispatcher = new DefaultTaskDispatcher(queueDriver, registry, this.codec,
					this.taskDefaults.queue(), dispatchExecutor, this.listener, this.dispatchTimeout,
					this.maxPayloadSize);
			Worker worker = null;
			if (this.workerEnabled) {
				worker = new Worker(queueDriver, registry, this.codec,
						new WorkerSettings(this.queues, this.concurrency,
								(this.prefetch != null) ? this.prefetch : this.concurrency, this.shutdownTimeout,
								this.pollInterval, this.heartbeatInterval, this.executorMode, this.taskDefaults,
								this.unknownTaskGrace),
						this.listener);
			}
			ShutdownSequence shutdown = new ShutdownSequence().then("dispatcher", dispatcher::close);
			if (worker != null) {
				shutdown.then("worker executors", worker::close);
			}
			shutdown.then("driver", queueDriver::close);
			AsyncTasqRuntime runtime = new AsyncTasqRuntime(queueDriver, registry, dispatcher, worker, shutdown);
			if (worker != null) {
				worker.start();
			}
			return runtime;
		}

	}

}
