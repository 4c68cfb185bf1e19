package io.asynctasq.inspection;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.TaskResult;

/**
 * Where task results are kept ({@code asynctasq.results.store}): the queue driver itself, or a driver built on
 * the application's DataSource or Redis connection and used only for results (when the queue driver, such as
 * RabbitMQ, stores none). The worker records through it, and readers read through it.
 */
public final class TaskResultStore implements AutoCloseable {

	private final QueueDriver driver;

	private final boolean owned;

	private TaskResultStore(QueueDriver driver, boolean owned) {
		this.driver = DriverFacade.of(Objects.requireNonNull(driver, "driver"));
		this.owned = owned;
		if (!driver.storesResults()) {
			throw new IllegalArgumentException("The " + driver.name() + " driver does not store task results");
		}
	}

	/** Results in the queue driver, which this store never closes. */
	public static TaskResultStore inQueueDriver(QueueDriver driver) {
		return new TaskResultStore(driver, false);
	}

	/** Results in a driver used only for them, closed with this store. */
	public static TaskResultStore inOwnDriver(QueueDriver driver) {
		return new TaskResultStore(driver, true);
	}

	/** The driver that keeps the results. */
	public QueueDriver driver() {
		return this.driver;
	}

	/** Whether the results are kept by a driver of their own rather than the queue driver. */
	public boolean isSeparate() {
		return this.owned;
	}

	/** Records (or replaces) a task's result, kept for {@code ttl}. */
	public void record(TaskResult result, Duration ttl) {
		this.driver.recordResult(result, ttl);
	}

	/** The latest result of a task, if recorded and not expired. */
	public Optional<TaskResult> result(String taskId) {
		return this.driver.result(taskId);
	}

	/** Closes a driver of its own; leaves the queue driver alone. */
	@Override
	public void close() {
		if (this.owned) {
			this.driver.close();
		}
	}

}
