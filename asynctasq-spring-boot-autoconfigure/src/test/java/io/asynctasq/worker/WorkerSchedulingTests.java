package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.Test;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Which tasks a worker runs, how many at once, in what order, on which threads and with what context. */
class WorkerSchedulingTests {

	private static final boolean JVM_HAS_VIRTUAL_THREADS = Runtime.version().feature() >= 21;

	private final EventLog events = new EventLog();

	@Test
	void neverRunsMoreTasksAtOnceThanItsConcurrency() {
		assertConcurrencyAndPrefetch(3, 0);
	}

	@Test
	void reservesUpToItsPrefetchAheadOfFreeThreadsWithoutRunningThem() {
		assertConcurrencyAndPrefetch(3, 2);
	}

	private void assertConcurrencyAndPrefetch(int concurrency, int prefetch) {
		Gated gated = new Gated();
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
			.tasks(gated)
			.concurrency(concurrency)
			.prefetch(prefetch)
			.build()) {
			List<String> ids = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				ids.add(runtime.dispatcher().dispatch("gated.run", i));
			}

			int reserved = concurrency + prefetch;
			await().atMost(Duration.ofSeconds(10))
				.until(() -> gated.running.get() == concurrency && runtime.worker().activeCount() == reserved);
			// the worker reserved only what it can run and prefetch: the rest stays visible to other workers
			assertThat(runtime.driver().counts("default")).isEqualTo(new QueueCounts(10 - reserved, 0, reserved, 0));
			assertThat(gated.running.get()).isEqualTo(concurrency);
			gated.gate.countDown();

			await().atMost(Duration.ofSeconds(10)).until(() -> gated.finished.get() == 10);
			assertThat(gated.maxRunning.get()).isEqualTo(concurrency);
			ids.forEach((id) -> this.events.await(TaskEvent.Completed.class, id));
			assertThat(runtime.driver().counts("default")).isEqualTo(QueueCounts.EMPTY);
		}
	}

	@Test
	void servesItsQueuesInStrictPriorityOrder() {
		Ordered ordered = new Ordered();
		MemoryDriver driver = new MemoryDriver();
		AsyncTasqRuntime dispatchOnly = TestRuntimes.builder(this.events)
			.driver(driver)
			.tasks(ordered)
			.worker(false)
			.build();
		try {
			assertThat(dispatchOnly.worker()).isNull();
			for (int i = 0; i < 5; i++) {
				dispatchOnly.dispatcher().task("ordered.run").onQueue("low").dispatch("low-" + i);
				dispatchOnly.dispatcher().task("ordered.run").onQueue("high").dispatch("high-" + i);
			}
			try (AsyncTasqRuntime worker = TestRuntimes.builder(this.events)
				.driver(driver)
				.tasks(new Ordered(ordered.runs))
				.queues("high", "low")
				.concurrency(1)
				.build()) {
				await().atMost(Duration.ofSeconds(10)).until(() -> ordered.runs.size() == 10);
			}
			assertThat(ordered.runs.subList(0, 5)).containsExactly("high-0", "high-1", "high-2", "high-3", "high-4");
			assertThat(ordered.runs.subList(5, 10)).containsExactly("low-0", "low-1", "low-2", "low-3", "low-4");
		}
		finally {
			dispatchOnly.close();
		}
	}

	@Test
	void taskContextDescribesTheRunningAttempt() {
		ContextCapture capture = new ContextCapture();
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
			.tasks(capture)
			.queues("default", "reports")
			.build()) {
			Instant before = Instant.now();
			String id = runtime.dispatcher().task("context.capture").maxAttempts(5).dispatch("payload");
			Instant after = Instant.now();

			await().atMost(Duration.ofSeconds(10)).until(() -> capture.context.get() != null);

			TaskContext context = capture.context.get();
			assertThat(context.taskId()).isEqualTo(id);
			assertThat(context.taskName()).isEqualTo("context.capture");
			assertThat(context.queue()).isEqualTo("reports");
			assertThat(context.dispatchedAt()).isBetween(before, after);
			assertThat(context.attempt()).isEqualTo(1);
			assertThat(context.maxAttempts()).isEqualTo(5);
			assertThat(capture.shuttingDownWhileRunning).isFalse();
		}
	}

	@Test
	void autoExecutorRunsTasksOnVirtualThreadsExactlyWhenTheJvmHasThem() {
		ThreadCapture capture = new ThreadCapture();
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
			.tasks(capture)
			.executorMode(ExecutorMode.AUTO)
			.build()) {
			assertThat(runtime.worker().usesVirtualThreads()).isEqualTo(JVM_HAS_VIRTUAL_THREADS);
			assertThat(TaskExecutors.virtualThreadsAvailable()).isEqualTo(JVM_HAS_VIRTUAL_THREADS);

			runtime.dispatcher().dispatch("thread.capture");

			await().atMost(Duration.ofSeconds(10)).until(() -> capture.virtual.get() != null);
			assertThat(capture.virtual.get()).isEqualTo(JVM_HAS_VIRTUAL_THREADS);
			assertThat(capture.name.get()).startsWith("asynctasq-task-");
		}
	}

	@Test
	void platformExecutorNeverUsesVirtualThreads() {
		ThreadCapture capture = new ThreadCapture();
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
			.tasks(capture)
			.executorMode(ExecutorMode.PLATFORM)
			.build()) {
			assertThat(runtime.worker().usesVirtualThreads()).isFalse();

			runtime.dispatcher().dispatch("thread.capture");

			await().atMost(Duration.ofSeconds(10)).until(() -> capture.virtual.get() != null);
			assertThat(capture.virtual.get()).isFalse();
			assertThat(capture.name.get()).startsWith("asynctasq-task-");
		}
	}

	@Test
	void virtualExecutorRunsOnVirtualThreadsOrRefusesToStartWithoutThem() {
		ThreadCapture capture = new ThreadCapture();
		if (JVM_HAS_VIRTUAL_THREADS) {
			try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
				.tasks(capture)
				.executorMode(ExecutorMode.VIRTUAL)
				.build()) {
				assertThat(runtime.worker().usesVirtualThreads()).isTrue();
				runtime.dispatcher().dispatch("thread.capture");
				await().atMost(Duration.ofSeconds(10)).until(() -> capture.virtual.get() != null);
				assertThat(capture.virtual.get()).isTrue();
			}
		}
		else {
			assertThatIllegalStateException()
				.isThrownBy(() -> TestRuntimes.builder(this.events)
					.tasks(capture)
					.executorMode(ExecutorMode.VIRTUAL)
					.build())
				.withMessageContaining("needs Java 21");
		}
	}

	static class Gated {

		final CountDownLatch gate = new CountDownLatch(1);

		final AtomicInteger running = new AtomicInteger();

		final AtomicInteger maxRunning = new AtomicInteger();

		final AtomicInteger finished = new AtomicInteger();

		@Task(name = "gated.run")
		public void run(int n) throws InterruptedException {
			int now = this.running.incrementAndGet();
			this.maxRunning.accumulateAndGet(now, Math::max);
			try {
				this.gate.await(10, TimeUnit.SECONDS);
			}
			finally {
				this.running.decrementAndGet();
				this.finished.incrementAndGet();
			}
		}

	}

	static class Ordered {

		final List<String> runs;

		Ordered() {
			this(new CopyOnWriteArrayList<>());
		}

		Ordered(List<String> runs) {
			this.runs = runs;
		}

		@Task(name = "ordered.run")
		public void run(String label) {
			this.runs.add(label);
		}

	}

	static class ContextCapture {

		final AtomicReference<TaskContext> context = new AtomicReference<>();

		volatile boolean shuttingDownWhileRunning = true;

		@Task(name = "context.capture", queue = "reports")
		public void capture(String payload, TaskContext context) {
			this.shuttingDownWhileRunning = context.isShuttingDown();
			this.context.set(context);
		}

	}

	static class ThreadCapture {

		final AtomicReference<Boolean> virtual = new AtomicReference<>();

		final AtomicReference<String> name = new AtomicReference<>();

		@Task(name = "thread.capture")
		public void capture() {
			this.name.set(Thread.currentThread().getName());
			this.virtual.set(TestRuntimes.isVirtual(Thread.currentThread()));
		}

	}

}
