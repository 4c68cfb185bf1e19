package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.asynctasq.Backoff;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.WorkerSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of AsyncTasQ, under {@code asynctasq.*}. {@link AsyncTasqPropertiesValidator} checks the
 * bound values; defaults are those of the standalone builder.
 */
@ConfigurationProperties("asynctasq")
public class AsyncTasqProperties {

	/** Where tasks are stored. The in-memory default is not durable: tasks are lost on restart. */
	private Driver driver = Driver.MEMORY;

	/** Queue of tasks whose annotation and dispatch name none. */
	private String defaultQueue = TaskOptions.DEFAULTS.queue();

	private final TaskDefaults taskDefaults = new TaskDefaults();

	private final Worker worker = new Worker();

	private final DeadLetter deadLetter = new DeadLetter();

	public Driver getDriver() {
		return this.driver;
	}

	public void setDriver(Driver driver) {
		this.driver = driver;
	}

	public String getDefaultQueue() {
		return this.defaultQueue;
	}

	public void setDefaultQueue(String defaultQueue) {
		this.defaultQueue = defaultQueue;
	}

	public TaskDefaults getTaskDefaults() {
		return this.taskDefaults;
	}

	public Worker getWorker() {
		return this.worker;
	}

	public DeadLetter getDeadLetter() {
		return this.deadLetter;
	}

	/** The storage backends. */
	public enum Driver {

		/** In this JVM's memory; not durable. */
		MEMORY,

		/** Redis, through Spring Data Redis ({@code spring.data.redis.*}). */
		REDIS,

		/** RabbitMQ, through Spring AMQP ({@code spring.rabbitmq.*}). */
		RABBITMQ,

		/** The application's DataSource: PostgreSQL, MySQL, MariaDB or H2. */
		JDBC,

		/** AWS SQS standard queues ({@code asynctasq.sqs.*}). */
		SQS

	}

	/** Options of every task unless its annotation or its dispatch says otherwise. */
	public static class TaskDefaults {

		/** Total attempts, the first included. */
		private int maxAttempts = TaskOptions.DEFAULTS.maxAttempts();

		/** Maximum duration of one attempt; 0 means no limit. */
		private Duration timeout = TaskOptions.DEFAULTS.timeout();

		/** Delay before the first retry; the base of exponential back-off. */
		private Duration retryDelay = TaskOptions.DEFAULTS.retryDelay();

		/** How the delay grows between attempts. */
		private Backoff backoff = TaskOptions.DEFAULTS.backoff();

		/** Maximum delay between attempts. */
		private Duration maxRetryDelay = TaskOptions.DEFAULTS.maxRetryDelay();

		/** Fraction (0 to 1) of each retry delay that is randomly removed, to spread retries out. */
		private double jitter = TaskOptions.DEFAULTS.jitter();

		/**
		 * Lease of a reserved task: if its worker dies, the task becomes visible again after this. Running
		 * tasks renew it, so it does not limit how long a task runs.
		 */
		private Duration visibilityTimeout = TaskOptions.DEFAULTS.visibilityTimeout();

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Duration getRetryDelay() {
			return this.retryDelay;
		}

		public void setRetryDelay(Duration retryDelay) {
			this.retryDelay = retryDelay;
		}

		public Backoff getBackoff() {
			return this.backoff;
		}

		public void setBackoff(Backoff backoff) {
			this.backoff = backoff;
		}

		public Duration getMaxRetryDelay() {
			return this.maxRetryDelay;
		}

		public void setMaxRetryDelay(Duration maxRetryDelay) {
			this.maxRetryDelay = maxRetryDelay;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		public Duration getVisibilityTimeout() {
			return this.visibilityTimeout;
		}

		public void setVisibilityTimeout(Duration visibilityTimeout) {
			this.visibilityTimeout = visibilityTimeout;
		}

		/** These defaults as task options, every one set. */
		public TaskOptions toOptions(String defaultQueue) {
			return new TaskOptions(defaultQueue, this.maxAttempts, this.timeout, this.retryDelay, this.backoff,
					this.maxRetryDelay, this.jitter, this.visibilityTimeout);
		}

	}

	/** What becomes of dead letters. */
	public static class DeadLetter {

		/**
		 * How long a dead letter is kept before it is deleted for good. Unset: kept until retried, deleted or
		 * purged. Workers delete those of the queues they serve every minute; on RabbitMQ the broker expires each
		 * dead letter made from then on.
		 */
		private @Nullable Duration retention;

		public @Nullable Duration getRetention() {
			return this.retention;
		}

		public void setRetention(@Nullable Duration retention) {
			this.retention = retention;
		}

	}

	/** The worker that runs tasks in this application. */
	public static class Worker {

		/** Whether this application runs a worker; false for a dispatch-only service. */
		private boolean enabled = true;

		/**
		 * Queues served, in strict priority order. Empty: the default queue, then the queue of every task
		 * registered in this application.
		 */
		private List<String> queues = new ArrayList<>();

		/** Maximum tasks running at once. */
		private int concurrency = WorkerSettings.DEFAULT_CONCURRENCY;

		/**
		 * How many tasks beyond concurrency the worker reserves ahead, so short tasks do not wait for a
		 * round trip to the backend. They hold a lease meanwhile and go back at once on shutdown.
		 * Defaults to the concurrency; 0 reserves a task only when a thread is free.
		 */
		private @Nullable Integer prefetch;

		/**
		 * How long running tasks may finish when the application stops, before they are interrupted and
		 * released to their queue. Also bounded by spring.lifecycle.timeout-per-shutdown-phase.
		 */
		private Duration shutdownTimeout = WorkerSettings.DEFAULT_SHUTDOWN_TIMEOUT;

		/** Longest wait of one reservation when the queues are empty (drivers that can wake earlier do). */
		private Duration pollInterval = WorkerSettings.DEFAULT_POLL_INTERVAL;

		/**
		 * Period of the worker's heartbeats: each beat is recorded in the backend, where every instance lists the
		 * live workers of the cluster, and lives for three periods (a worker that stops beating drops out
		 * then; one that stops removes its own at once); it is also published as a heartbeat event. Defaults to
		 * 10s.
		 */
		private Duration heartbeatInterval = WorkerSettings.DEFAULT_HEARTBEAT_INTERVAL;

		/** Threads running blocking task methods: auto (virtual on Java 21+), virtual or platform. */
		private ExecutorMode executor = WorkerSettings.DEFAULT_EXECUTOR_MODE;

		/**
		 * Name of the application's Executor bean that runs task code instead of the worker's own executor
		 * (asynctasq.worker.executor then applies to dispatches only). The application keeps it running until the
		 * worker has drained on shutdown. Unset: the worker's own.
		 */
		private @Nullable String taskExecutor;

		/**
		 * Threads of the executor for CPU-bound tasks (@Task(executor = Task.CPU_EXECUTOR)): platform threads,
		 * started on demand. Unset: the number of processors the JVM sees.
		 */
		private @Nullable Integer cpuThreads;

		/**
		 * How long after its dispatch a task this worker cannot run (a task name it does not know, arguments
		 * that do not fit its parameters) keeps going back to its queue, with back-off, for a worker that can:
		 * during a rolling deploy a newer instance may know it. Past it the task is dead-lettered with why.
		 */
		private Duration unknownTaskGrace = WorkerSettings.DEFAULT_UNKNOWN_TASK_GRACE;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public List<String> getQueues() {
			return this.queues;
		}

		public void setQueues(List<String> queues) {
			this.queues = queues;
		}

		public @Nullable Integer getPrefetch() {
			return this.prefetch;
		}

		public void setPrefetch(@Nullable Integer prefetch) {
			this.prefetch = prefetch;
		}

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			this.concurrency = concurrency;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public ExecutorMode getExecutor() {
			return this.executor;
		}

		public Duration getUnknownTaskGrace() {
			return this.unknownTaskGrace;
		}

		public void setUnknownTaskGrace(Duration unknownTaskGrace) {
			this.unknownTaskGrace = unknownTaskGrace;
		}

		public void setExecutor(ExecutorMode executor) {
			this.executor = executor;
		}

		public @Nullable String getTaskExecutor() {
			return this.taskExecutor;
		}

		public void setTaskExecutor(@Nullable String taskExecutor) {
			this.taskExecutor = taskExecutor;
		}

		public @Nullable Integer getCpuThreads() {
			return this.cpuThreads;
		}

		public void setCpuThreads(@Nullable Integer cpuThreads) {
			this.cpuThreads = cpuThreads;
		}

	}

}
