package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.asynctasq.Backoff;
import io.asynctasq.driver.QueueNames;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.worker.ExecutorMode;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Configuration of AsyncTasQ, under {@code asynctasq.*}. Invalid values stop startup with a message
 * naming the property and what it accepts.
 */
@ConfigurationProperties("asynctasq")
public class AsyncTasqProperties {

	/** Where tasks are stored. The in-memory default is not durable: tasks are lost on restart. */
	private Driver driver = Driver.MEMORY;

	/** Queue of tasks whose annotation and dispatch name none. */
	private String defaultQueue = "default";

	private final TaskDefaults taskDefaults = new TaskDefaults();

	private final Worker worker = new Worker();

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
		this.defaultQueue = validQueue("asynctasq.default-queue", defaultQueue);
	}

	public TaskDefaults getTaskDefaults() {
		return this.taskDefaults;
	}

	public Worker getWorker() {
		return this.worker;
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

		/** Amazon SQS. */
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
			if (maxAttempts < 1) {
				throw invalid("asynctasq.task-defaults.max-attempts", maxAttempts,
						"must be at least 1 (it counts the first attempt)");
			}
			this.maxAttempts = maxAttempts;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = requireNotNegative("asynctasq.task-defaults.timeout", timeout);
		}

		public Duration getRetryDelay() {
			return this.retryDelay;
		}

		public void setRetryDelay(Duration retryDelay) {
			this.retryDelay = requireNotNegative("asynctasq.task-defaults.retry-delay", retryDelay);
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
			this.maxRetryDelay = requireNotNegative("asynctasq.task-defaults.max-retry-delay", maxRetryDelay);
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			if (jitter < 0 || jitter > 1) {
				throw invalid("asynctasq.task-defaults.jitter", jitter,
						"must be between 0 and 1 (a fraction of the retry delay)");
			}
			this.jitter = jitter;
		}

		public Duration getVisibilityTimeout() {
			return this.visibilityTimeout;
		}

		public void setVisibilityTimeout(Duration visibilityTimeout) {
			if (visibilityTimeout == null || visibilityTimeout.isZero() || visibilityTimeout.isNegative()) {
				throw invalid("asynctasq.task-defaults.visibility-timeout", visibilityTimeout,
						"must be a positive duration, e.g. 60s");
			}
			this.visibilityTimeout = visibilityTimeout;
		}

		/** These defaults as task options, every one set. */
		public TaskOptions toOptions(String defaultQueue) {
			return new TaskOptions(defaultQueue, this.maxAttempts, this.timeout, this.retryDelay, this.backoff,
					this.maxRetryDelay, this.jitter, this.visibilityTimeout);
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
		private int concurrency = 10;

		/**
		 * How many tasks beyond concurrency the worker reserves ahead, so short tasks do not wait for a
		 * round trip to the backend. They hold a lease meanwhile and go back at once on shutdown.
		 * Defaults to the concurrency; 0 reserves a task only when a thread is free.
		 */
		private Integer prefetch;

		/**
		 * How long running tasks may finish when the application stops, before they are interrupted and
		 * released to their queue. Also bounded by spring.lifecycle.timeout-per-shutdown-phase.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(30);

		/** Longest wait of one reservation when the queues are empty (drivers that can wake earlier do). */
		private Duration pollInterval = Duration.ofSeconds(1);

		/** Period of worker heartbeat events. */
		private Duration heartbeatInterval = Duration.ofSeconds(30);

		/** Threads running blocking task methods: auto (virtual on Java 21+), virtual or platform. */
		private ExecutorMode executor = ExecutorMode.AUTO;

		/**
		 * How long after its dispatch a task this worker cannot run (a task name it does not know, arguments
		 * that do not fit its parameters) keeps going back to its queue, with back-off, for a worker that can:
		 * during a rolling deploy a newer instance may know it. Past it the task is dead-lettered with why.
		 */
		private Duration unknownTaskGrace = Duration.ofHours(1);

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
			queues.forEach((queue) -> validQueue("asynctasq.worker.queues", queue));
			this.queues = queues;
		}

		public Integer getPrefetch() {
			return this.prefetch;
		}

		public void setPrefetch(Integer prefetch) {
			if (prefetch != null && prefetch < 0) {
				throw invalid("asynctasq.worker.prefetch", prefetch,
						"must be zero or more (tasks reserved ahead of a free thread)");
			}
			this.prefetch = prefetch;
		}

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			if (concurrency < 1) {
				throw invalid("asynctasq.worker.concurrency", concurrency,
						"must be at least 1 (the maximum number of tasks running at once)");
			}
			this.concurrency = concurrency;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = requireNotNegative("asynctasq.worker.shutdown-timeout", shutdownTimeout);
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			if (pollInterval == null || pollInterval.isZero() || pollInterval.isNegative()) {
				throw invalid("asynctasq.worker.poll-interval", pollInterval, "must be a positive duration, e.g. 1s");
			}
			this.pollInterval = pollInterval;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			if (heartbeatInterval == null || heartbeatInterval.isZero() || heartbeatInterval.isNegative()) {
				throw invalid("asynctasq.worker.heartbeat-interval", heartbeatInterval,
						"must be a positive duration, e.g. 30s");
			}
			this.heartbeatInterval = heartbeatInterval;
		}

		public ExecutorMode getExecutor() {
			return this.executor;
		}

		public Duration getUnknownTaskGrace() {
			return this.unknownTaskGrace;
		}

		public void setUnknownTaskGrace(Duration unknownTaskGrace) {
			this.unknownTaskGrace = requireNotNegative("asynctasq.worker.unknown-task-grace", unknownTaskGrace);
		}

		public void setExecutor(ExecutorMode executor) {
			this.executor = executor;
		}

	}

	private static Duration requireNotNegative(String name, Duration value) {
		if (value == null || value.isNegative()) {
			throw invalid(name, value, "must be zero or a positive duration, e.g. 30s");
		}
		return value;
	}

	private static String validQueue(String name, String queue) {
		try {
			return QueueNames.validate(queue);
		}
		catch (IllegalArgumentException ex) {
			throw invalid(name, queue, ex.getMessage());
		}
	}

	/**
	 * The binder reports a setter's exception under the enclosing object ("asynctasq.worker"), so the
	 * exception itself names the full property.
	 */
	private static InvalidConfigurationPropertyValueException invalid(String name, Object value, String reason) {
		return new InvalidConfigurationPropertyValueException(name, value, reason);
	}

}
