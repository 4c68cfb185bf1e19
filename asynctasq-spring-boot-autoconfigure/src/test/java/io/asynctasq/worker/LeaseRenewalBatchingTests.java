package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Backoff;
import io.asynctasq.Task;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker renews the leases that are due at the same time in one driver call: five tasks that outlive
 * their lease several times over are kept by {@code extendLeases} calls of several reservations each, never by
 * one {@code extendLease} call per task, and none is handed out again meanwhile.
 */
class LeaseRenewalBatchingTests {

	private static final int TASKS = 5;

	private static final Duration LEASE = Duration.ofMillis(300);

	@Test
	void leasesDueTogetherAreExtendedInOneCall() throws Exception {
		CountingDriver driver = new CountingDriver();
		HeldTasks tasks = new HeldTasks();
		EventLog events = new EventLog();
		TaskOptions shortLease = new TaskOptions(null, 1, null, TestRuntimes.RETRY_DELAY, Backoff.FIXED, null, 0.0, LEASE);
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(events)
			.driver(driver)
			.tasks(tasks)
			.taskDefaults(shortLease)
			.concurrency(TASKS)
			.build()) {
			for (int i = 0; i < TASKS; i++) {
				runtime.dispatcher().dispatch("held.run");
			}
			TestRuntimes.await().until(() -> tasks.running.get() == TASKS);
			// each lease outlives its length five times over while the tasks run
			TestRuntimes.await().pollInterval(Duration.ofMillis(50))
				.until(() -> driver.batches.stream().filter((size) -> size > 1).count() >= 5);
			assertThat(driver.counts("default")).as("none handed out again").isEqualTo(new QueueCounts(0, 0, TASKS, 0));
			tasks.release.countDown();
			TestRuntimes.await().until(() -> events.of(TaskEvent.Completed.class).size() == TASKS);
		}
		assertThat(driver.single.get()).as("lease extensions of one task").isZero();
		assertThat(driver.batches).as("reservations per extendLeases call").allSatisfy((size) -> assertThat(size)
			.isBetween(1, TASKS));
		assertThat(events.of(TaskEvent.Failed.class)).isEmpty();
	}

	static class CountingDriver extends MemoryDriver {

		final List<Integer> batches = new CopyOnWriteArrayList<>();

		final AtomicInteger single = new AtomicInteger();

		@Override
		public boolean[] extendLeases(List<Reservation> reservations, Duration lease) {
			this.batches.add(reservations.size());
			boolean[] extended = new boolean[reservations.size()];
			for (int i = 0; i < extended.length; i++) {
				extended[i] = super.extendLease(reservations.get(i), lease);
			}
			return extended;
		}

		@Override
		public boolean extendLease(Reservation reservation, Duration lease) {
			this.single.incrementAndGet();
			return super.extendLease(reservation, lease);
		}

	}

	static class HeldTasks {

		final AtomicInteger running = new AtomicInteger();

		final CountDownLatch release = new CountDownLatch(1);

		@Task(name = "held.run")
		public void run() throws InterruptedException {
			this.running.incrementAndGet();
			this.release.await(30, TimeUnit.SECONDS);
		}

	}

}
