package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.worker.TestRuntimes;
import io.asynctasq.worker.Worker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Which executor runs a task: the application's own executor bean named by {@code asynctasq.worker.task-executor},
 * the executor bean a task names with {@code @Task(executor)}, or the library's bounded pool for CPU-bound tasks.
 * Runs on Java 17 and again on Java 21+.
 */
class AsyncTasqExecutorsTaskSelectionTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
		.withBean(Threads.class)
		.withBean("reportExecutor", ThreadPoolTaskExecutor.class, () -> pool("report-", 1))
		.withPropertyValues("asynctasq.worker.poll-interval=100ms");

	@Test
	void cpuBoundTasksRunOnAPlatformPoolSizedToTheCoresWhateverTheWorkersConcurrency() {
		int cores = Runtime.getRuntime().availableProcessors();
		this.runner.withPropertyValues("asynctasq.worker.concurrency=20").run((context) -> {
			ThreadPoolTaskExecutor cpu = context.getBean(Task.CPU_EXECUTOR, ThreadPoolTaskExecutor.class);
			assertThat(cpu.getMaxPoolSize()).isEqualTo(cores);
			Threads threads = context.getBean(Threads.class);
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			int tasks = 4 * cores + 2;
			for (int i = 0; i < tasks; i++) {
				dispatcher.dispatch("cpu.spin");
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> threads.cpuDone.get() == tasks);
			assertThat(threads.cpuPeak.get()).as("at most one CPU-bound task per core at once")
				.isBetween(1, cores);
			assertThat(threads.names.get("cpu.spin")).startsWith("asynctasq-cpu-");
			assertThat(threads.virtual.get("cpu.spin")).as("never a virtual thread").isFalse();
		});
	}

	@Test
	void cpuThreadsSetsThePoolAndItAppearsInBootsExecutorMetrics() {
		this.runner.withConfiguration(AutoConfigurations.of(TaskExecutorMetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("asynctasq.worker.cpu-threads=3")
			.run((context) -> {
				assertThat(context.getBean(Task.CPU_EXECUTOR, ThreadPoolTaskExecutor.class).getMaxPoolSize())
					.isEqualTo(3);
				assertThat(context.getBean(MeterRegistry.class)
					.find("executor.pool.max")
					.tag("name", Task.CPU_EXECUTOR)
					.gauge()).isNotNull().satisfies((gauge) -> assertThat(gauge.value()).isEqualTo(3.0));
			});
	}

	@Test
	void aTaskRunsOnTheExecutorBeanItNames() {
		this.runner.run((context) -> {
				context.getBean(TaskDispatcher.class).dispatch("report.build");
				context.getBean(TaskDispatcher.class).dispatch("plain.capture");
				Threads threads = context.getBean(Threads.class);
				await().atMost(Duration.ofSeconds(10))
					.until(() -> threads.names.containsKey("report.build") && threads.names.containsKey("plain.capture"));
				assertThat(threads.names.get("report.build")).startsWith("report-");
				assertThat(threads.names.get("plain.capture")).startsWith("asynctasq-task-");
			});
	}

	@Test
	void theTaskExecutorPropertyRunsEveryTaskOnTheApplicationsBeanAndTheWorkerLeavesItOpen() {
		this.runner.withBean("appExecutor", ThreadPoolTaskExecutor.class, () -> pool("app-", 4))
			.withPropertyValues("asynctasq.worker.task-executor=appExecutor")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(AsyncTasqAutoConfiguration.TASK_EXECUTOR);
				context.getBean(TaskDispatcher.class).dispatch("plain.capture");
				Threads threads = context.getBean(Threads.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> threads.names.containsKey("plain.capture"));
				assertThat(threads.names.get("plain.capture")).startsWith("app-");
				context.getBean(Worker.class).close();
				ThreadPoolTaskExecutor app = context.getBean("appExecutor", ThreadPoolTaskExecutor.class);
				assertThat(app.getThreadPoolExecutor().isShutdown()).as("the application's to close").isFalse();
			});
	}

	@Test
	void aTaskRunningOnTheApplicationsExecutorFinishesWhenTheContextCloses() {
		this.runner.withBean("appExecutor", ThreadPoolTaskExecutor.class, () -> pool("app-", 4))
			.withPropertyValues("asynctasq.worker.task-executor=appExecutor")
			.run((context) -> {
				Threads threads = context.getBean(Threads.class);
				context.getBean(TaskDispatcher.class).dispatch("slow.task");
				assertThat(threads.slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
				Worker worker = context.getBean(Worker.class);
				Thread release = new Thread(() -> {
					// the task finishes only once the close has begun: it must be drained, not interrupted
					await().atMost(Duration.ofSeconds(10)).until(worker::isStopping);
					threads.slowRelease.countDown();
				});
				release.start();
				((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
				release.join(10_000);
				assertThat(threads.slowFinished).as("drained, not interrupted").isTrue();
			});
	}

	@Test
	void aTaskExecutorPropertyNamingNoBeanFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("asynctasq.worker.task-executor=nowhere").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("asynctasq.worker.task-executor")
				.hasMessageContaining("nowhere");
		});
	}

	@Test
	void aTaskNamingAnExecutorThatDoesNotExistFailsStartupNamingTheTaskAndTheExecutor() {
		this.runner.withBean(MissingExecutorTask.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("missing.executor")
				.hasMessageContaining("'nowhere'")
				.hasMessageContaining("Declare an Executor bean named 'nowhere'");
		});
	}

	private static ThreadPoolTaskExecutor pool(String prefix, int size) {
		ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
		pool.setCorePoolSize(size);
		pool.setMaxPoolSize(size);
		pool.setThreadNamePrefix(prefix);
		return pool;
	}

	static class Threads {

		final Map<String, String> names = new ConcurrentHashMap<>();

		final Map<String, Boolean> virtual = new ConcurrentHashMap<>();

		final AtomicInteger cpuRunning = new AtomicInteger();

		final AtomicInteger cpuPeak = new AtomicInteger();

		final AtomicInteger cpuDone = new AtomicInteger();

		final CountDownLatch slowStarted = new CountDownLatch(1);

		final CountDownLatch slowRelease = new CountDownLatch(1);

		volatile boolean slowFinished;

		@Task(name = "cpu.spin", executor = Task.CPU_EXECUTOR)
		void spin() {
			record("cpu.spin");
			int running = this.cpuRunning.incrementAndGet();
			this.cpuPeak.accumulateAndGet(running, Math::max);
			long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
			long spins = 0;
			while (System.nanoTime() < until) {
				spins++;
			}
			this.cpuRunning.decrementAndGet();
			this.cpuDone.incrementAndGet();
			assertThat(spins).isPositive();
		}

		@Task(name = "report.build", executor = "reportExecutor")
		void report() {
			record("report.build");
		}

		@Task(name = "plain.capture")
		void plain() {
			record("plain.capture");
		}

		@Task(name = "slow.task")
		void slow() throws InterruptedException {
			this.slowStarted.countDown();
			this.slowRelease.await();
			this.slowFinished = true;
		}

		private void record(String task) {
			this.names.put(task, Thread.currentThread().getName());
			this.virtual.put(task, TestRuntimes.isVirtual(Thread.currentThread()));
		}

	}

	static class MissingExecutorTask {

		@Task(name = "missing.executor", executor = "nowhere")
		void run() {
		}

	}

}
