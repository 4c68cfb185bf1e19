package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqComponents;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A worker that is not started runs the tasks ready now on the caller's thread, follow-ups included, and
 * delayed tasks and retries once the memory driver's clock says they are due.
 */
class WorkerRunReadyTasksTests {

	private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

	private final MemoryDriver driver = new MemoryDriver(this.now::get);

	private final EventLog events = new EventLog();

	private final Tasks tasks = new Tasks();

	private final TaskRegistry registry = new TaskRegistry();

	private final DefaultTaskDispatcher dispatcher;

	private final Worker worker;

	WorkerRunReadyTasksTests() {
		new AnnotatedTasks(null).registerTasksOf(this.tasks, this.registry);
		PayloadCodec codec = new PayloadCodec();
		this.dispatcher = AsyncTasqComponents.dispatcher(this.driver, this.registry, codec, "default",
				Duration.ofSeconds(5), 1024 * 1024, this.events);
		this.tasks.dispatcher = this.dispatcher;
		this.worker = new Worker(this.driver, this.registry, codec,
				AsyncTasqComponents.workerSettings(List.of(), 1, null, Duration.ofSeconds(1), Duration.ofMillis(50),
						Duration.ofSeconds(10), ExecutorMode.PLATFORM, TestRuntimes.FAST_DEFAULTS,
						Duration.ofHours(1)),
				this.events);
	}

	@AfterEach
	void close() {
		this.dispatcher.close();
		this.worker.close();
		this.driver.close();
	}

	@Test
	void runsReadyTasksAndTheirFollowUpsOnTheCallersThread() {
		this.dispatcher.dispatch("greet", "ada");

		assertThat(this.worker.runReadyTasks(100)).isEqualTo(2);
		assertThat(this.tasks.ran).containsExactly("greet ada", "thank ada");
		assertThat(this.tasks.threads).containsOnly(Thread.currentThread().getName());
		assertThat(this.events.of(TaskEvent.Completed.class)).hasSize(2);
		assertThat(this.driver.counts("default")).isEqualTo(new QueueCounts(0, 0, 0, 0));
		assertThat(this.worker.runReadyTasks(100)).isZero();
	}

	@Test
	void runsAtMostTheGivenNumber() {
		this.dispatcher.dispatch("greet", "ada");

		assertThat(this.worker.runReadyTasks(1)).isEqualTo(1);
		assertThat(this.tasks.ran).containsExactly("greet ada");
	}

	@Test
	void awaitsATaskReturningAFuture() {
		this.dispatcher.dispatch("later", "ada");

		assertThat(this.worker.runReadyTasks(100)).isEqualTo(1);
		assertThat(this.events.of(TaskEvent.Completed.class)).hasSize(1);
	}

	@Test
	void delayedTasksAndRetriesRunOnceTheDriversClockSaysTheyAreDue() {
		this.dispatcher.task("thank").delay(Duration.ofMinutes(5)).dispatch("ada");
		this.dispatcher.dispatch("flaky");

		assertThat(this.worker.runReadyTasks(100)).isEqualTo(1);
		assertThat(this.tasks.ran).containsExactly("flaky 1");
		this.now.set(this.now.get().plus(TestRuntimes.RETRY_DELAY));
		assertThat(this.worker.runReadyTasks(100)).isEqualTo(1);
		assertThat(this.tasks.ran).containsExactly("flaky 1", "flaky 2");
		this.now.set(this.now.get().plus(Duration.ofMinutes(5)));
		assertThat(this.worker.runReadyTasks(100)).isEqualTo(1);
		assertThat(this.tasks.ran).containsExactly("flaky 1", "flaky 2", "thank ada");
	}

	@Test
	void refusesWhileTheWorkerRuns() {
		this.worker.start();
		try {
			assertThatIllegalStateException().isThrownBy(() -> this.worker.runReadyTasks(1))
				.withMessageContaining("is running");
		}
		finally {
			this.worker.stop();
		}
	}

	static class Tasks {

		final List<String> ran = new CopyOnWriteArrayList<>();

		final List<String> threads = new CopyOnWriteArrayList<>();

		TaskDispatcher dispatcher;

		@Task(name = "greet")
		public void greet(String name) {
			this.ran.add("greet " + name);
			this.threads.add(Thread.currentThread().getName());
			this.dispatcher.dispatch("thank", name);
		}

		@Task(name = "thank")
		public void thank(String name) {
			this.ran.add("thank " + name);
			this.threads.add(Thread.currentThread().getName());
		}

		@Task(name = "later")
		public CompletableFuture<String> later(String name) {
			return CompletableFuture.supplyAsync(() -> "later " + name);
		}

		@Task(name = "flaky")
		public void flaky(TaskContext context) {
			this.ran.add("flaky " + context.attempt());
			if (context.attempt() == 1) {
				throw new IllegalStateException("first attempt fails");
			}
		}

	}

}
