package io.asynctasq.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.TaskExecutors;
import io.asynctasq.worker.Worker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Closing the application (as its SIGTERM shutdown hook does) with tasks in flight: the worker stops
 * first and drains, unfinished tasks go back to their queue, and only then are the driver and
 * executors closed, each cleanup step isolated from the others' failures.
 */
@ExtendWith(OutputCaptureExtension.class)
class ShutdownLifecycleTests {

	private static final List<String> DEFAULT_QUEUE = List.of("default");

	@Test
	void closeDrainsRunningTasksReleasesUnfinishedOnesAndClosesTheDriverLast() throws Exception {
		Probe probe = new Probe();
		ShutdownTasks tasks = new ShutdownTasks(probe);
		ConfigurableApplicationContext context = run(App.class, probe, tasks, "asynctasq.worker.concurrency=2",
				"asynctasq.worker.prefetch=1", "asynctasq.worker.shutdown-timeout=300ms");
		TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
		String blocker = dispatcher.dispatch("shutdown.blocker");
		String quick = dispatcher.dispatch("shutdown.quick");
		assertThat(tasks.blockerStarted.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(tasks.quickStarted.await(10, TimeUnit.SECONDS)).isTrue();
		List<String> queued = List.of(dispatcher.dispatch("shutdown.queued", 1),
				dispatcher.dispatch("shutdown.queued", 2), dispatcher.dispatch("shutdown.queued", 3));
		// both slots are busy: one more is prefetched (reserved, not started), the others wait in the queue
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> probe.memory.counts("default").equals(new QueueCounts(2, 0, 3, 0)));

		closeFromAnotherThread(context);

		// the task that finishes within the shutdown timeout completed during the drain
		assertThat(tasks.quickSawShutdown).isTrue();
		assertThat(probe.completed).containsExactly(quick);
		// the one that did not was interrupted while the worker was shutting down
		assertThat(tasks.blockerInterrupted.getCount()).isZero();
		assertThat(tasks.blockerSawShutdown).isTrue();
		// (the dispatcher publishes Enqueued after the driver accepted the task, so it may come after Started)
		assertThat(probe.taskEvents).filteredOn((event) -> event.taskId().equals(blocker))
			.filteredOn((event) -> !(event instanceof TaskEvent.Enqueued))
			.hasExactlyElementsOfTypes(TaskEvent.Started.class, TaskEvent.Released.class);
		// nothing new started once shutdown began
		assertThat(tasks.queuedRuns).isEmpty();
		// the interrupted task went back to the front of its queue without burning its attempt, the
		// prefetched one went back at once, unstarted, and the others were never reserved
		assertThat(probe.memory.counts("default")).isEqualTo(new QueueCounts(4, 0, 0, 0));
		List<Reservation> left = probe.memory.reserve(DEFAULT_QUEUE, 10, Duration.ofSeconds(5), Duration.ZERO);
		assertThat(left).extracting(Reservation::id).containsExactly(blocker, queued.get(0), queued.get(1),
				queued.get(2));
		assertThat(left).extracting(Reservation::attempt).containsOnly(1);
		// the worker went offline after the drain and before the driver was closed
		assertThat(probe.indexOf("quick finished")).isLessThan(probe.indexOf("worker offline"));
		assertThat(probe.indexOf("worker offline")).isLessThan(probe.indexOf("driver closed"));
	}

	@Test
	void dispatchAfterCloseIsRefusedWithAClearMessage() {
		Probe probe = new Probe();
		ConfigurableApplicationContext context = run(App.class, probe, new ShutdownTasks(probe));
		TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);

		context.close();

		assertThatIllegalStateException().isThrownBy(() -> dispatcher.dispatch("shutdown.queued", 1))
			.withMessageContaining("shut down")
			.withMessageContaining("shutdown.queued");
		assertThatIllegalStateException().isThrownBy(() -> dispatcher.dispatchAsync("shutdown.queued", 1))
			.withMessageContaining("shut down");
		assertThat(probe.memory.counts("default")).isEqualTo(QueueCounts.EMPTY);
	}

	@Test
	void shutdownPhaseTimeoutBoundsTheDrain() throws Exception {
		Probe probe = new Probe();
		ShutdownTasks tasks = new ShutdownTasks(probe);
		ConfigurableApplicationContext context = run(App.class, probe, tasks,
				"spring.lifecycle.timeout-per-shutdown-phase=400ms", "asynctasq.worker.shutdown-timeout=1m");
		assertThat(context.getBean(Worker.class).settings().shutdownTimeout()).isEqualTo(Duration.ofMillis(300));
		String blocker = context.getBean(TaskDispatcher.class).dispatch("shutdown.blocker");
		assertThat(tasks.blockerStarted.await(10, TimeUnit.SECONDS)).isTrue();

		long started = System.nanoTime();
		closeFromAnotherThread(context);
		Duration closing = Duration.ofNanos(System.nanoTime() - started);

		assertThat(closing).isLessThan(Duration.ofSeconds(5));
		assertThat(tasks.blockerInterrupted.getCount()).isZero();
		// released within the phase, so before the driver closed
		assertThat(probe.memory.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
		assertThat(probe.memory.reserve(DEFAULT_QUEUE, 1, Duration.ofSeconds(5), Duration.ZERO))
			.singleElement()
			.satisfies((reservation) -> {
				assertThat(reservation.id()).isEqualTo(blocker);
				assertThat(reservation.attempt()).isEqualTo(1);
			});
		assertThat(probe.indexOf("worker offline")).isLessThan(probe.indexOf("driver closed"));
	}

	@Test
	void failingCleanupStepDoesNotStopTheOthers(CapturedOutput output) throws Exception {
		Probe probe = new Probe();
		ConfigurableApplicationContext context = run(FailingCleanupApp.class, probe, new ShutdownTasks(probe));
		Worker worker = context.getBean(Worker.class);

		closeFromAnotherThread(context);

		assertThat(probe.timeline).containsSubsequence("worker offline", "dispatcher closed", "driver closed");
		assertThat(worker.isRunning()).isFalse();
		assertThat(output).contains("AsyncTasQ shutdown: closing dispatcher failed; continuing with the next step")
			.contains("dispatcher close failed on purpose")
			.contains("AsyncTasQ shutdown: closing driver recording failed")
			.contains("driver close failed on purpose");
	}

	private static ConfigurableApplicationContext run(Class<?> app, Probe probe, ShutdownTasks tasks,
			String... properties) {
		ApplicationContextInitializer<ConfigurableApplicationContext> shared = (context) -> {
			context.getBeanFactory().registerSingleton("probe", probe);
			// a bean definition (not a bare singleton) so its @Task methods are registered
			((GenericApplicationContext) context).registerBean("shutdownTasks", ShutdownTasks.class, () -> tasks);
		};
		return new SpringApplicationBuilder(app).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.initializers(shared)
			.properties("asynctasq.worker.poll-interval=50ms")
			.properties(properties)
			.run();
	}

	/** Closes the context the way the JVM shutdown hook does: from a thread of its own. */
	private static void closeFromAnotherThread(ConfigurableApplicationContext context) throws InterruptedException {
		Thread hook = new Thread(context::close, "test-shutdown-hook");
		hook.start();
		hook.join(TimeUnit.SECONDS.toMillis(20));
		assertThat(hook.isAlive()).as("context closed within 20 s").isFalse();
		assertThat(context.isActive()).isFalse();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ LifecycleAutoConfiguration.class, AsyncTasqAutoConfiguration.class })
	static class App {

		@Bean
		RecordingDriver queueDriver(Probe probe) {
			return new RecordingDriver(probe.memory, probe.timeline, false);
		}

		@Bean
		Probe.EventRecorder eventRecorder(Probe probe) {
			return new Probe.EventRecorder(probe);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ LifecycleAutoConfiguration.class, AsyncTasqAutoConfiguration.class })
	static class FailingCleanupApp {

		@Bean
		RecordingDriver queueDriver(Probe probe) {
			return new RecordingDriver(probe.memory, probe.timeline, true);
		}

		@Bean
		Probe.EventRecorder eventRecorder(Probe probe) {
			return new Probe.EventRecorder(probe);
		}

		@Bean
		DefaultTaskDispatcher taskDispatcher(QueueDriver driver, TaskRegistry registry, PayloadCodec codec,
				AsyncTasqEventListener events, Probe probe) {
			return new DefaultTaskDispatcher(driver, registry, codec, "default",
					TaskExecutors.create(ExecutorMode.PLATFORM, 1, "test-dispatch-"), events) {

				@Override
				public void close() {
					super.close();
					probe.timeline.add("dispatcher closed");
					throw new IllegalStateException("dispatcher close failed on purpose");
				}

			};
		}

	}

	static class ShutdownTasks {

		final Probe probe;

		final CountDownLatch blockerStarted = new CountDownLatch(1);

		final CountDownLatch blockerInterrupted = new CountDownLatch(1);

		final CountDownLatch quickStarted = new CountDownLatch(1);

		final List<Integer> queuedRuns = new CopyOnWriteArrayList<>();

		volatile boolean blockerSawShutdown;

		volatile boolean quickSawShutdown;

		ShutdownTasks(Probe probe) {
			this.probe = probe;
		}

		/** Runs until interrupted. */
		@Task(name = "shutdown.blocker")
		public void blocker(TaskContext context) throws InterruptedException {
			this.blockerStarted.countDown();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				this.blockerSawShutdown = context.isShuttingDown();
				this.blockerInterrupted.countDown();
				throw ex;
			}
		}

		/** Runs until the worker shuts down, then wraps up well within the shutdown timeout. */
		@Task(name = "shutdown.quick")
		public void quick(TaskContext context) throws InterruptedException {
			this.quickStarted.countDown();
			while (!context.isShuttingDown()) {
				Thread.sleep(5);
			}
			this.quickSawShutdown = true;
			Thread.sleep(50);
			this.probe.timeline.add("quick finished");
		}

		@Task(name = "shutdown.queued")
		public void queued(int n) {
			this.queuedRuns.add(n);
		}

	}

}
