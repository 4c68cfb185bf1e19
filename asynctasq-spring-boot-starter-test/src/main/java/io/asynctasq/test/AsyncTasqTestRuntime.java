package io.asynctasq.test;

import java.time.Duration;
import java.util.List;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.runtime.AsyncTasqComponents;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;

/**
 * What {@link AutoConfigureAsyncTasqTest} gives a Spring test, for a test without Spring: the tasks of the given
 * objects, a dispatcher whose dispatches are recorded, a manual worker and its clock, all in memory.
 * <pre>{@code
 * try (AsyncTasqTestRuntime asyncTasq = AsyncTasqTestRuntime.of(new EmailTasks())) {
 *     asyncTasq.dispatcher().dispatch("send-email", "ada@example.com");
 *     assertThat(asyncTasq.worker().drain().succeeded()).isEqualTo(1);
 * }
 * }</pre>
 */
public final class AsyncTasqTestRuntime implements AutoCloseable {

	private final TestClock clock = new TestClock();

	private final DispatchedTasks dispatched = new DispatchedTasks();

	private final RecordingMemoryDriver driver;

	private final DefaultTaskDispatcher dispatcher;

	private final Worker worker;

	private final ManualWorker manualWorker;

	private AsyncTasqTestRuntime(TaskOptions taskDefaults, Object[] tasks) {
		TaskRegistry registry = new TaskRegistry();
		AnnotatedTasks annotated = new AnnotatedTasks(null);
		for (Object task : tasks) {
			annotated.registerTasksOf(task, registry);
		}
		PayloadCodec codec = new PayloadCodec();
		TaskOptions defaults = taskDefaults.orElse(TaskOptions.DEFAULTS);
		TaskRunRecorder runs = new TaskRunRecorder();
		this.driver = new RecordingMemoryDriver(this.clock, codec, registry, this.dispatched);
		this.dispatcher = AsyncTasqComponents.dispatcher(this.driver, registry, codec, defaults.queue(),
				DefaultTaskDispatcher.DEFAULT_TIMEOUT, DefaultTaskDispatcher.DEFAULT_MAX_PAYLOAD_SIZE, runs::record);
		this.worker = new Worker(this.driver, registry, codec,
				AsyncTasqComponents.workerSettings(List.of(), 1, null, Duration.ofSeconds(1),
						WorkerSettings.DEFAULT_POLL_INTERVAL, WorkerSettings.DEFAULT_HEARTBEAT_INTERVAL,
						WorkerSettings.DEFAULT_EXECUTOR_MODE, defaults, WorkerSettings.DEFAULT_UNKNOWN_TASK_GRACE),
				runs::record);
		this.worker.setExecutionInterceptors(List.of(runs));
		this.manualWorker = new ManualWorker(() -> this.worker, runs);
	}

	/** The tasks of {@code tasks} (objects with {@code @Task} methods, or {@code TaskHandler}s), on the defaults. */
	public static AsyncTasqTestRuntime of(Object... tasks) {
		return new AsyncTasqTestRuntime(TaskOptions.DEFAULTS, tasks);
	}

	/** The tasks of {@code tasks}, options they do not set taken from {@code taskDefaults}. */
	public static AsyncTasqTestRuntime of(TaskOptions taskDefaults, Object... tasks) {
		return new AsyncTasqTestRuntime(taskDefaults, tasks);
	}

	public TaskDispatcher dispatcher() {
		return this.dispatcher;
	}

	public DispatchedTasks dispatched() {
		return this.dispatched;
	}

	public ManualWorker worker() {
		return this.manualWorker;
	}

	public TestClock clock() {
		return this.clock;
	}

	public QueueDriver driver() {
		return this.driver;
	}

	/** Closes the dispatcher, the worker's executors and the driver. */
	@Override
	public void close() {
		this.dispatcher.close();
		this.worker.close();
		this.driver.close();
	}

}
