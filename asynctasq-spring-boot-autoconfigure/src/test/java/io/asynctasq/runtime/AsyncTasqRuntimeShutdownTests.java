package io.asynctasq.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.events.WorkerEvent;
import io.asynctasq.task.TaskOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The standalone runtime closes in order (worker drained, then dispatcher, executors, driver), and a
 * JVM shutdown hook closes it when the program never does.
 */
class AsyncTasqRuntimeShutdownTests {

	private final List<AsyncTasqEvent> events = new CopyOnWriteArrayList<>();

	private final DrainTasks tasks = new DrainTasks();

	private final MemoryDriver driver = new MemoryDriver();

	private AsyncTasqRuntime build() {
		return AsyncTasq.builder()
			.driver(this.driver)
			.tasks(this.tasks)
			.taskDefaults(new TaskOptions(null, 3, null, Duration.ofMillis(20), null, null, 0.0, null))
			.pollInterval(Duration.ofMillis(50))
			.shutdownTimeout(Duration.ofSeconds(5))
			.listener(this.events::add)
			.build();
	}

	@Test
	void shutdownHookClosesARuntimeTheProgramNeverClosed() throws Exception {
		AsyncTasqRuntime runtime = build();
		Thread hook = runtime.shutdownHook();
		String id = runtime.dispatcher().dispatch("drain.untilShutdown");
		assertThat(this.tasks.started.await(10, TimeUnit.SECONDS)).isTrue();

		// it is registered with the JVM; take it over and run it as the JVM would on exit
		assertThat(Runtime.getRuntime().removeShutdownHook(hook)).isTrue();
		hook.start();
		hook.join(TimeUnit.SECONDS.toMillis(20));

		assertThat(hook.isAlive()).isFalse();
		// the running task saw the shutdown and finished within the drain
		assertThat(this.tasks.sawShutdown).isTrue();
		assertThat(this.events).filteredOn(TaskEvent.Completed.class::isInstance)
			.extracting((event) -> ((TaskEvent.Completed) event).taskId())
			.containsExactly(id);
		assertThat(runtime.worker().isRunning()).isFalse();
		assertThat(this.events).last().isInstanceOf(WorkerEvent.Offline.class);
		assertThatIllegalStateException().isThrownBy(() -> runtime.dispatcher().dispatch("drain.untilShutdown"))
			.withMessageContaining("shut down");
		assertThatIllegalStateException().isThrownBy(runtime.driver()::ping).withMessageContaining("closed");
		// closing again is harmless
		assertThatNoException().isThrownBy(runtime::close);
		assertThat(this.events).filteredOn(WorkerEvent.Offline.class::isInstance).hasSize(1);
	}

	@Test
	void closingTheRuntimeDeregistersItsShutdownHook() {
		AsyncTasqRuntime runtime = build();
		Thread hook = runtime.shutdownHook();

		runtime.close();

		assertThat(Runtime.getRuntime().removeShutdownHook(hook)).isFalse();
		assertThatIllegalStateException().isThrownBy(runtime.driver()::ping);
	}

	@Test
	void closeDrainsTheWorkerBeforeClosingTheDriver() throws Exception {
		AsyncTasqRuntime runtime = build();
		String id = runtime.dispatcher().dispatch("drain.untilShutdown");
		assertThat(this.tasks.started.await(10, TimeUnit.SECONDS)).isTrue();

		runtime.close();

		// the task acknowledged through the driver during the drain, so the driver was still open
		assertThat(this.tasks.sawShutdown).isTrue();
		assertThat(this.events).filteredOn(TaskEvent.Completed.class::isInstance)
			.extracting((event) -> ((TaskEvent.Completed) event).taskId())
			.containsExactly(id);
		assertThat(this.events).filteredOn(WorkerEvent.class::isInstance)
			.hasExactlyElementsOfTypes(WorkerEvent.Online.class, WorkerEvent.Offline.class);
		assertThatIllegalStateException().isThrownBy(runtime.driver()::ping);
	}

	static class DrainTasks {

		final CountDownLatch started = new CountDownLatch(1);

		volatile boolean sawShutdown;

		/** Runs until its worker shuts down, then finishes. */
		@Task(name = "drain.untilShutdown")
		public void untilShutdown(TaskContext context) throws InterruptedException {
			this.started.countDown();
			while (!context.isShuttingDown()) {
				Thread.sleep(5);
			}
			this.sawShutdown = true;
		}

	}

}
