package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.events.WorkerEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.Test;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping a worker directly: reserved tasks that have not started go back to their queue at once,
 * and shutdown and an attempt racing for a task never both get it.
 */
class WorkerShutdownTests {

	private final EventLog events = new EventLog();

	@Test
	void reservedTaskWaitingForAThreadIsReleasedAtOnceWithoutRunning() throws Exception {
		RaceTasks tasks = new RaceTasks();
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
			.tasks(tasks)
			.executorMode(ExecutorMode.PLATFORM)
			.concurrency(1)
			.shutdownTimeout(Duration.ofSeconds(30))
			.build()) {
			Worker worker = runtime.worker();
			ThreadPoolExecutor pool = (ThreadPoolExecutor) worker.executor();
			// the single task thread is busy, so the next reserved task waits in the executor
			CountDownLatch threadBusy = new CountDownLatch(1);
			CountDownLatch freeThread = new CountDownLatch(1);
			pool.execute(() -> {
				threadBusy.countDown();
				awaitQuietly(freeThread);
			});
			assertThat(threadBusy.await(10, TimeUnit.SECONDS)).isTrue();
			String id = runtime.dispatcher().dispatch("race.plain");
			await().until(() -> worker.activeCount() == 1 && pool.getQueue().size() == 1);
			assertThat(runtime.driver().counts("default")).isEqualTo(new QueueCounts(0, 0, 1, 0));

			long stopping = System.nanoTime();
			worker.stop();

			// released at once: the 30 s shutdown timeout is for running tasks only
			assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(5));
			assertThat(worker.activeCount()).isZero();
			assertThat(runtime.driver().counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
			freeThread.countDown();
			await().until(() -> pool.getCompletedTaskCount() == 2);
			assertThat(tasks.runs.get()).isZero();
			assertThat(this.events.forTask(id)).hasExactlyElementsOfTypes(TaskEvent.Enqueued.class);
			// the attempt was not counted
			Reservation next = runtime.driver()
				.reserve(List.of("default"), 1, Duration.ofSeconds(5), Duration.ZERO)
				.get(0);
			assertThat(next.id()).isEqualTo(id);
			assertThat(next.attempt()).isEqualTo(1);
		}
	}

	@Test
	void taskReleasedByShutdownWhileItsAttemptIsBeingPreparedDoesNotRun() throws Exception {
		StallingDriver driver = new StallingDriver();
		RaceTasks tasks = new RaceTasks();
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
			.driver(driver)
			.tasks(tasks)
			.executorMode(ExecutorMode.PLATFORM)
			.concurrency(1)
			.shutdownTimeout(Duration.ZERO)
			.build()) {
			Worker worker = runtime.worker();
			ThreadPoolExecutor pool = (ThreadPoolExecutor) worker.executor();
			String id = runtime.dispatcher().dispatch("race.task");
			// the attempt is preparing: it extends the lease to the task's own visibility timeout
			assertThat(driver.extending.await(10, TimeUnit.SECONDS)).isTrue();

			worker.stop();

			assertThat(this.events.of(WorkerEvent.Offline.class)).hasSize(1);
			assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
			driver.mayReturn.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> pool.getCompletedTaskCount() == 1);
			assertThat(tasks.runs.get()).isZero();
			assertThat(this.events.of(TaskEvent.Started.class, id)).isEmpty();
			assertThat(worker.activeCount()).isZero();
			assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Holds the first lease extension until the test lets it return. */
	static class StallingDriver extends MemoryDriver {

		final CountDownLatch extending = new CountDownLatch(1);

		final CountDownLatch mayReturn = new CountDownLatch(1);

		private final AtomicBoolean first = new AtomicBoolean(true);

		@Override
		public boolean extendLease(Reservation reservation, Duration lease) {
			if (this.first.compareAndSet(true, false)) {
				this.extending.countDown();
				try {
					this.mayReturn.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return super.extendLease(reservation, lease);
		}

	}

	static class RaceTasks {

		final AtomicInteger runs = new AtomicInteger();

		@Task(name = "race.task", visibilityTimeout = "5s")
		public void run() {
			this.runs.incrementAndGet();
		}

		@Task(name = "race.plain")
		public void plain() {
			this.runs.incrementAndGet();
		}

	}

}
