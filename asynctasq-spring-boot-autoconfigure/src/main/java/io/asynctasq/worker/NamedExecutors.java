package io.asynctasq.worker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.asynctasq.Task;
import io.asynctasq.task.TaskDefinition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executors that tasks name with {@link Task#executor()}, looked up once per name. They belong to whoever
 * provided them (the application context, the runtime's builder), except the CPU executor that the worker
 * creates itself when nobody provided one under {@link Task#CPU_EXECUTOR}: a pool of platform threads, one per
 * core, closed with the worker.
 */
final class NamedExecutors {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private final Map<String, Executor> resolved = new ConcurrentHashMap<>();

	private volatile Function<String, @Nullable Executor> lookup = (name) -> null;

	private volatile @Nullable ExecutorService ownCpuExecutor;

	void setLookup(Function<String, @Nullable Executor> lookup) {
		this.lookup = lookup;
		this.resolved.clear();
	}

	/**
	 * The executor {@code task}'s attempts run on, or {@code null} for the worker's own.
	 * @throws IllegalStateException when no executor has the name the task gives
	 */
	@Nullable Executor executorFor(TaskDefinition task) {
		String name = task.executor();
		if (name.isEmpty()) {
			return null;
		}
		return this.resolved.computeIfAbsent(name, (key) -> {
			Executor found = this.lookup.apply(key);
			if (found != null) {
				return found;
			}
			if (Task.CPU_EXECUTOR.equals(key)) {
				return ownCpuExecutor();
			}
			throw new IllegalStateException(task + " runs on executor '" + key + "' (@Task(executor)), but there is "
					+ "no executor of that name. Declare an Executor bean named '" + key
					+ "' (without Spring: AsyncTasq.builder().taskExecutor(\"" + key + "\", executor)), or use "
					+ "Task.CPU_EXECUTOR for CPU-bound work, or remove the attribute to use the worker's own executor.");
		});
	}

	private synchronized ExecutorService ownCpuExecutor() {
		ExecutorService executor = this.ownCpuExecutor;
		if (executor == null) {
			executor = TaskExecutors.create(ExecutorMode.PLATFORM, Runtime.getRuntime().availableProcessors(),
					"asynctasq-cpu-");
			this.ownCpuExecutor = executor;
		}
		return executor;
	}

	/** Closes the CPU executor the worker created; executors others provided are theirs to close. */
	void close(String workerId) {
		ExecutorService executor = this.ownCpuExecutor;
		if (executor == null) {
			return;
		}
		executor.shutdownNow();
		try {
			if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
				logger.warn("AsyncTasQ worker {}: CPU task threads still running after close", workerId);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
