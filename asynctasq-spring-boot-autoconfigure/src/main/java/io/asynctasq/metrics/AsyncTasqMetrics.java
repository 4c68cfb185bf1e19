package io.asynctasq.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.asynctasq.driver.DriverCallListener;
import io.asynctasq.driver.DriverOperation;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.AsyncTasqEventRecorder;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.inspection.QueueCountsSnapshot;
import io.asynctasq.worker.TaskTimeoutException;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * AsyncTasQ's Micrometer meters: per task and queue, tasks dispatched, the wait from dispatch to start and
 * the execution time by outcome (recorded from the events); queue sizes per state from a background
 * {@link QueueCountsSnapshot} (a scrape never calls the backend); the worker's concurrency, busy slots and
 * prefetched tasks; every driver call timed by operation and outcome. Tags are low-cardinality only: task
 * name, queue, outcome, state, driver and operation, never a task id. Closing it closes its snapshot.
 */
public final class AsyncTasqMetrics implements AsyncTasqEventRecorder, DriverCallListener, MeterBinder, AutoCloseable {

	/** Counter: tasks the driver accepted (tags task, queue). */
	public static final String TASKS_DISPATCHED = "asynctasq.tasks.dispatched";

	/** Timer: from enqueue (or re-enqueue for a retry) to the start of an attempt (tags task, queue). */
	public static final String TASKS_WAIT = "asynctasq.tasks.wait";

	/** Timer: an attempt's run time (tags task, queue, outcome). */
	public static final String TASKS_EXECUTION = "asynctasq.tasks.execution";

	/** Gauge: tasks of a queue in a state (tags queue, state), from the last background snapshot. */
	public static final String QUEUE_TASKS = "asynctasq.queue.tasks";

	/** Gauge: the worker's concurrency. */
	public static final String WORKER_CONCURRENCY = "asynctasq.worker.concurrency";

	/** Gauge: the worker's run slots taken. */
	public static final String WORKER_BUSY = "asynctasq.worker.busy";

	/** Gauge: tasks reserved by the worker and waiting for a free run slot. */
	public static final String WORKER_PREFETCHED = "asynctasq.worker.prefetched";

	/** Timer: a call to the driver (tags driver, operation, outcome = success | error). */
	public static final String DRIVER_CALLS = "asynctasq.driver.calls";

	private final MeterRegistry registry;

	private final String driverName;

	private final @Nullable QueueCountsSnapshot counts;

	private final Supplier<List<String>> queues;

	private final Supplier<@Nullable Worker> worker;

	/** Meters per task name, then per queue: two lookups of strings the event holds, no key allocated. */
	private final Map<String, Map<String, TaskMeters>> taskMeters = new ConcurrentHashMap<>();

	private final Timer[] driverCalls = new Timer[DriverOperation.values().length * 2];

	/**
	 * @param registry where the task and driver meters are registered as they are first used
	 * @param driverName the driver's name, the {@code driver} tag of driver calls
	 * @param counts where queue sizes are read from; {@code null} for no queue gauges
	 * @param queues the queues whose sizes are gauged, asked when the gauges are bound
	 * @param worker the worker whose gauges are bound, asked when they are; it supplies {@code null} for none
	 */
	public AsyncTasqMetrics(MeterRegistry registry, String driverName, @Nullable QueueCountsSnapshot counts,
			Supplier<List<String>> queues, Supplier<@Nullable Worker> worker) {
		this.registry = registry;
		this.driverName = driverName;
		this.counts = counts;
		this.queues = queues;
		this.worker = worker;
	}

	/** Binds the gauges: the queues' sizes and the worker's slots. */
	@Override
	public void bindTo(MeterRegistry registry) {
		QueueCountsSnapshot snapshot = this.counts;
		if (snapshot != null) {
			for (String queue : this.queues.get()) {
				queueGauge(registry, snapshot, queue, "ready", QueueCounts::ready);
				queueGauge(registry, snapshot, queue, "delayed", QueueCounts::delayed);
				queueGauge(registry, snapshot, queue, "in_flight", QueueCounts::inFlight);
				queueGauge(registry, snapshot, queue, "dead_lettered", QueueCounts::deadLettered);
			}
		}
		Worker localWorker = this.worker.get();
		if (localWorker != null) {
			workerGauge(registry, localWorker, WORKER_CONCURRENCY, "Tasks the worker runs at most at once",
					WorkerStatus::concurrency);
			workerGauge(registry, localWorker, WORKER_BUSY, "Run slots of the worker taken", WorkerStatus::busy);
			workerGauge(registry, localWorker, WORKER_PREFETCHED,
					"Tasks the worker reserved that wait for a free run slot", WorkerStatus::prefetched);
		}
	}

	@Override
	public void close() {
		if (this.counts != null) {
			this.counts.close();
		}
	}

	private static void queueGauge(MeterRegistry registry, QueueCountsSnapshot snapshot, String queue, String state,
			ToDoubleFunction<QueueCounts> count) {
		Gauge.builder(QUEUE_TASKS, snapshot, (counts) -> {
			QueueCountsSnapshot.Snapshot last = counts.read();
			QueueCounts of = (last != null) ? last.counts().get(queue) : null;
			return (of != null) ? count.applyAsDouble(of) : Double.NaN;
		})
			.description("Tasks of a queue in a state, from the last background count")
			.tag("queue", queue)
			.tag("state", state)
			.register(registry);
	}

	private static void workerGauge(MeterRegistry registry, Worker worker, String name, String description,
			ToDoubleFunction<WorkerStatus> value) {
		Gauge.builder(name, worker, (w) -> value.applyAsDouble(w.status())).description(description).register(registry);
	}

	@Override
	public void record(AsyncTasqEvent event) {
		if (!(event instanceof TaskEvent task)) {
			return;
		}
		if (task instanceof TaskEvent.Started started) {
			meters(task).waited.record(started.waited());
		}
		else if (task instanceof TaskEvent.Completed completed) {
			meters(task).execution(Outcome.SUCCESS).record(completed.duration());
		}
		else if (task instanceof TaskEvent.Retrying retrying) {
			meters(task).execution((retrying.error() instanceof TaskTimeoutException) ? Outcome.TIMEOUT : Outcome.RETRY)
				.record(retrying.duration());
		}
		else if (task instanceof TaskEvent.Failed failed) {
			Duration duration = failed.duration();
			if (duration != null) {
				meters(task)
					.execution((failed.error() instanceof TaskTimeoutException) ? Outcome.TIMEOUT : Outcome.DEAD_LETTER)
					.record(duration);
			}
		}
		else if (task instanceof TaskEvent.Released released) {
			meters(task).execution(Outcome.RELEASED).record(released.duration());
		}
		else if (task instanceof TaskEvent.Enqueued) {
			meters(task).dispatched.increment();
		}
	}

	@Override
	public void completed(DriverOperation operation, long nanos, @Nullable Throwable error) {
		int index = operation.ordinal() * 2 + ((error != null) ? 1 : 0);
		Timer timer = this.driverCalls[index];
		if (timer == null) {
			timer = Timer.builder(DRIVER_CALLS)
				.description("Calls to the driver")
				.tag("driver", this.driverName)
				.tag("operation", operation.tagValue())
				.tag("outcome", (error != null) ? "error" : "success")
				.register(this.registry);
			this.driverCalls[index] = timer; // a race registers the same meter twice: the registry returns it
		}
		timer.record(nanos, TimeUnit.NANOSECONDS);
	}

	private TaskMeters meters(TaskEvent event) {
		return this.taskMeters.computeIfAbsent(event.taskName(), (task) -> new ConcurrentHashMap<>())
			.computeIfAbsent(event.queue(), (queue) -> new TaskMeters(event.taskName(), queue));
	}

	/** How an attempt ended, the {@code outcome} tag of {@link #TASKS_EXECUTION}. */
	enum Outcome {

		SUCCESS("success"), RETRY("retry"), DEAD_LETTER("dead_letter"), RELEASED("released"), TIMEOUT("timeout");

		final String tagValue;

		Outcome(String tagValue) {
			this.tagValue = tagValue;
		}

	}

	/** The meters of one task on one queue; execution timers made when an outcome first happens. */
	private final class TaskMeters {

		final String task;

		final String queue;

		final Counter dispatched;

		final Timer waited;

		private final Timer[] executions = new Timer[Outcome.values().length];

		TaskMeters(String task, String queue) {
			this.task = task;
			this.queue = queue;
			MeterRegistry registry = AsyncTasqMetrics.this.registry;
			this.dispatched = Counter.builder(TASKS_DISPATCHED)
				.description("Tasks the driver accepted")
				.tag("task", task)
				.tag("queue", queue)
				.register(registry);
			this.waited = Timer.builder(TASKS_WAIT)
				.description("Wait from enqueue to the start of an attempt")
				.tag("task", task)
				.tag("queue", queue)
				.register(registry);
		}

		Timer execution(Outcome outcome) {
			Timer timer = this.executions[outcome.ordinal()];
			if (timer == null) {
				timer = Timer.builder(TASKS_EXECUTION)
					.description("Run time of an attempt, by how it ended")
					.tag("task", this.task)
					.tag("queue", this.queue)
					.tag("outcome", outcome.tagValue)
					.register(AsyncTasqMetrics.this.registry);
				this.executions[outcome.ordinal()] = timer;
			}
			return timer;
		}

	}

}
