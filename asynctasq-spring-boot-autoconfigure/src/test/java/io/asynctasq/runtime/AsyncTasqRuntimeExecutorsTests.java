package io.asynctasq.runtime;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.asynctasq.Task;
import io.asynctasq.driver.memory.MemoryDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Without Spring, tasks run on the executors given to the builder, by name or as the default, and on the CPU
 * pool the worker creates for {@link Task#CPU_EXECUTOR}: the worker closes what it created and leaves the
 * application's executors running.
 */
class AsyncTasqRuntimeExecutorsTests {

	private final ExecutorService reports = Executors.newFixedThreadPool(2, (runnable) -> {
		Thread thread = new Thread(runnable, "reports-" + System.nanoTime());
		thread.setDaemon(true);
		return thread;
	});

	private final PlacedTasks tasks = new PlacedTasks();

	@AfterEach
	void closeTheApplicationsExecutor() throws InterruptedException {
		this.reports.shutdownNow();
		assertThat(this.reports.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private AsyncTasq.Builder builder() {
		return AsyncTasq.builder()
			.driver(new MemoryDriver())
			.tasks(this.tasks)
			.pollInterval(Duration.ofMillis(50))
			.shutdownTimeout(Duration.ofSeconds(5));
	}

	@Test
	void aTaskRunsOnTheExecutorItNamesAndClosingLeavesThatExecutorRunning() {
		try (AsyncTasqRuntime runtime = builder().taskExecutor("reports", this.reports).build()) {
			runtime.dispatcher().dispatch("placed.reports");
			runtime.dispatcher().dispatch("placed.anywhere");
			await().atMost(Duration.ofSeconds(10)).until(() -> this.tasks.threads.size() == 2);
		}
		assertThat(this.tasks.threads.get("placed.reports")).startsWith("reports-");
		assertThat(this.tasks.threads.get("placed.anywhere")).doesNotStartWith("reports-");
		assertThat(this.reports.isShutdown()).isFalse();
	}

	@Test
	void theDefaultTaskExecutorRunsEveryTaskThatNamesNoneAndIsLeftRunning() {
		try (AsyncTasqRuntime runtime = builder().taskExecutor(this.reports)
			.taskExecutor("reports", this.reports)
			.build()) {
			runtime.dispatcher().dispatch("placed.anywhere");
			await().atMost(Duration.ofSeconds(10)).until(() -> this.tasks.threads.size() == 1);
		}
		assertThat(this.tasks.threads.get("placed.anywhere")).startsWith("reports-");
		assertThat(this.reports.isShutdown()).isFalse();
	}

	@Test
	void cpuBoundTasksRunOnAPoolOfPlatformThreadsThatTheWorkerClosesWithItself() {
		try (AsyncTasqRuntime runtime = builder().taskExecutor("reports", this.reports).build()) {
			runtime.dispatcher().dispatch("placed.cpu");
			await().atMost(Duration.ofSeconds(10)).until(() -> this.tasks.threads.size() == 1);
			assertThat(this.tasks.threads.get("placed.cpu")).startsWith("asynctasq-cpu-");
			assertThat(this.tasks.virtual).doesNotContain("placed.cpu");
			assertThat(liveThreads("asynctasq-cpu-")).isNotEmpty();
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> liveThreads("asynctasq-cpu-").isEmpty());
	}

	@Test
	void anExecutorNameThatNothingProvidesFailsTheBuildAndLeavesNothingRunning() {
		Set<Thread> before = Thread.getAllStackTraces().keySet();
		AtomicBoolean driverClosed = new AtomicBoolean();
		MemoryDriver driver = new MemoryDriver() {
			@Override
			public void close() {
				driverClosed.set(true);
				super.close();
			}
		};

		assertThatIllegalStateException()
			.isThrownBy(() -> AsyncTasq.builder().driver(driver).tasks(this.tasks).build())
			.withMessageContaining("placed.reports")
			.withMessageContaining("no executor of that name")
			.withMessageContaining("taskExecutor(\"reports\", executor)");

		assertThat(driverClosed).isTrue();
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
				.filteredOn((thread) -> !before.contains(thread) && thread.isAlive()
						&& thread.getName().startsWith("asynctasq-"))
				.isEmpty());
	}

	private static Set<String> liveThreads(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.map(Thread::getName)
			.filter((name) -> name.startsWith(prefix))
			.collect(Collectors.toSet());
	}

	static class PlacedTasks {

		/** Task name → the name of the thread it ran on. */
		final Map<String, String> threads = new ConcurrentHashMap<>();

		final Set<String> virtual = ConcurrentHashMap.newKeySet();

		@Task(name = "placed.reports", executor = "reports")
		public void reports() {
			record("placed.reports");
		}

		@Task(name = "placed.cpu", executor = Task.CPU_EXECUTOR)
		public void cpu() {
			record("placed.cpu");
		}

		@Task(name = "placed.anywhere")
		public void anywhere() {
			record("placed.anywhere");
		}

		private void record(String task) {
			this.threads.put(task, Thread.currentThread().getName());
			if (!Thread.currentThread().getName().startsWith("reports-") && isVirtual(Thread.currentThread())) {
				this.virtual.add(task);
			}
		}

		private static boolean isVirtual(Thread thread) {
			try {
				return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
			}
			catch (ReflectiveOperationException ex) {
				return false; // Java 17: no virtual threads
			}
		}

	}

}
