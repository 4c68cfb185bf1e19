package io.asynctasq.runtime;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.TaskExecutors;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import org.jspecify.annotations.Nullable;

/**
 * Builds AsyncTasQ's parts: the dispatcher with its executor, the worker's settings, the queues health
 * watches and the order in which the parts close. The standalone {@link AsyncTasq#builder() builder} and
 * the Spring Boot auto-configuration both build through it.
 */
public final class AsyncTasqComponents {

	private AsyncTasqComponents() {
	}

	/**
	 * A dispatcher on its own elastic executor (virtual threads when available), which it shuts down when it
	 * is closed.
	 */
	public static DefaultTaskDispatcher dispatcher(QueueDriver driver, TaskRegistry registry, PayloadCodec codec,
			String defaultQueue, Duration timeout, long maxPayloadSize, AsyncTasqEventListener listener) {
		return dispatcher(driver, registry, codec, defaultQueue, timeout, maxPayloadSize, listener,
				TaskExecutors.createElastic(ExecutorMode.AUTO, "asynctasq-dispatch-"));
	}

	/** A dispatcher whose driver calls run on {@code executor}, elastic (it bounds their number itself). */
	public static DefaultTaskDispatcher dispatcher(QueueDriver driver, TaskRegistry registry, PayloadCodec codec,
			String defaultQueue, Duration timeout, long maxPayloadSize, AsyncTasqEventListener listener,
			Executor executor) {
		return new DefaultTaskDispatcher(driver, registry, codec, defaultQueue, executor, listener, timeout,
				maxPayloadSize);
	}

	/**
	 * Worker settings; {@code prefetch} {@code null} prefetches as many tasks as {@code concurrency}, and
	 * options unset in {@code taskDefaults} take {@link TaskOptions#DEFAULTS}.
	 */
	public static WorkerSettings workerSettings(List<String> queues, int concurrency, Integer prefetch,
			Duration shutdownTimeout, Duration pollInterval, Duration heartbeatInterval, ExecutorMode executorMode,
			TaskOptions taskDefaults, Duration unknownTaskGrace) {
		return new WorkerSettings(queues, concurrency, (prefetch != null) ? prefetch : concurrency, shutdownTimeout,
				pollInterval, heartbeatInterval, executorMode, taskDefaults.orElse(TaskOptions.DEFAULTS),
				unknownTaskGrace);
	}

	/**
	 * The queues to watch for health: those {@code worker} serves once started; without a running worker,
	 * the configured ones, the default queue and the queue of every registered task.
	 */
	public static List<String> watchedQueues(Worker worker, List<String> configured, String defaultQueue,
			TaskRegistry registry) {
		if (worker != null && !worker.queues().isEmpty()) {
			return worker.queues();
		}
		Set<String> queues = new LinkedHashSet<>(configured);
		queues.add(defaultQueue);
		for (TaskDefinition task : registry.all()) {
			if (task.options().queue() != null) {
				queues.add(task.options().queue());
			}
		}
		return List.copyOf(queues);
	}

	/**
	 * Every queue this application knows, for inspection: those {@code worker} serves first, then the configured
	 * ones, the default queue and the queue of every registered task.
	 */
	public static List<String> knownQueues(@Nullable Worker worker, List<String> configured, String defaultQueue,
			TaskRegistry registry) {
		Set<String> queues = new LinkedHashSet<>();
		if (worker != null) {
			queues.addAll(worker.queues());
		}
		queues.addAll(watchedQueues(null, configured, defaultQueue, registry));
		return List.copyOf(queues);
	}

	/**
	 * What closes, in order: the dispatcher (so no dispatch starts on a closing driver), the worker's
	 * executors, then the driver.
	 */
	public static ShutdownSequence shutdownSequence(@Nullable DefaultTaskDispatcher dispatcher, @Nullable Worker worker,
			QueueDriver driver) {
		ShutdownSequence shutdown = new ShutdownSequence();
		if (dispatcher != null) {
			shutdown.then("dispatcher", dispatcher::close);
		}
		if (worker != null) {
			shutdown.then("worker executors", worker::close);
		}
		return shutdown.then("driver " + driver.name(), DriverFacade.of(driver)::close);
	}

}
