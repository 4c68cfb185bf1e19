package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leases: a running task keeps its lease however long it runs; a task whose worker died comes back
 * after its lease, with the lost attempt counted.
 */
class WorkerLeaseTests {

	private static final List<String> QUEUES = List.of("default");

	private final EventLog events = new EventLog();

	private final LeaseTasks tasks = new LeaseTasks();

	private final MemoryDriver driver = new MemoryDriver();

	/** Dispatches onto the shared driver; has no worker of its own. */
	private final AsyncTasqRuntime dispatchOnly = TestRuntimes.builder(this.events)
		.driver(this.driver)
		.tasks(this.tasks)
		.worker(false)
		.build();

	@AfterEach
	void close() {
		this.dispatchOnly.close();
	}

	@Test
	void runningTaskRenewsItsLeaseAndRunsOnce() {
		try (AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
			.driver(this.driver)
			.tasks(this.tasks)
			.taskDefaults(TestRuntimes.FAST_DEFAULTS.withVisibilityTimeout(Duration.ofMillis(300)))
			.concurrency(2)
			.build()) {
			String id = runtime.dispatcher().dispatch("lease.slow", 1500);

			TaskEvent.Completed completed = this.events.await(TaskEvent.Completed.class, id);

			assertThat(completed.attempt()).isEqualTo(1);
			assertThat(completed.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
			assertThat(this.tasks.attempts).containsExactly(1);
			assertThat(this.events.of(TaskEvent.Started.class, id)).hasSize(1);
			assertThat(this.driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
		}
	}

	@Test
	void taskOfACrashedWorkerReturnsAfterItsLeaseAndRunsAgainAsItsNextAttempt() throws Exception {
		String id = this.dispatchOnly.dispatcher().dispatch("lease.record");
		// a worker reserves the task and dies: it never acknowledges, releases or renews
		Reservation crashed = this.driver.reserve(QUEUES, 1, Duration.ofMillis(300), Duration.ofSeconds(1)).get(0);
		assertThat(crashed.attempt()).isEqualTo(1);

		try (AsyncTasqRuntime survivor = TestRuntimes.builder(this.events)
			.driver(this.driver)
			.tasks(this.tasks)
			.build()) {
			TaskEvent.Completed completed = this.events.await(TaskEvent.Completed.class, id);

			assertThat(completed.attempt()).isEqualTo(2);
			assertThat(this.tasks.attempts).containsExactly(2);
			assertThat(this.driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
			// the crashed worker's lease is fenced off
			assertThat(this.driver.acknowledge(crashed)).isFalse();
		}
	}

	@Test
	void taskWhoseLeasesExpiredOnEveryAttemptIsDeadLetteredWithoutRunning() throws Exception {
		String id = this.dispatchOnly.dispatcher().dispatch("lease.twoAttempts");
		// two workers in turn reserve it and die before finishing
		Reservation first = this.driver.reserve(QUEUES, 1, Duration.ofMillis(50), Duration.ofSeconds(1)).get(0);
		Reservation second = this.driver.reserve(QUEUES, 1, Duration.ofMillis(50), Duration.ofSeconds(2)).get(0);
		assertThat(first.attempt()).isEqualTo(1);
		assertThat(second.attempt()).isEqualTo(2);

		try (AsyncTasqRuntime survivor = TestRuntimes.builder(this.events)
			.driver(this.driver)
			.tasks(this.tasks)
			.build()) {
			TaskEvent.DeadLettered deadLettered = this.events.await(TaskEvent.DeadLettered.class, id);

			assertThat(deadLettered.attempts()).isEqualTo(3);
			assertThat(this.tasks.attempts).isEmpty();
			assertThat(this.events.of(TaskEvent.Started.class, id)).isEmpty();
			assertThat(this.events.of(TaskEvent.Failed.class, id)).singleElement()
				.satisfies((failed) -> assertThat(failed.error()).isInstanceOf(AttemptsExhaustedException.class));
			DeadLetter dead = this.driver.deadLetters("default", 0, 10).get(0);
			assertThat(dead.id()).isEqualTo(id);
			assertThat(dead.attempts()).isEqualTo(3);
			assertThat(dead.failure().errorClass()).isEqualTo(AttemptsExhaustedException.class.getName());
			assertThat(dead.failure().errorMessage()).contains("attempt 3 of 2");
			await().atMost(Duration.ofSeconds(5)).until(() -> survivor.worker().activeCount() == 0);
			assertThat(this.driver.counts("default")).isEqualTo(new QueueCounts(0, 0, 0, 1));
		}
	}

	static class LeaseTasks {

		final List<Integer> attempts = new CopyOnWriteArrayList<>();

		@Task(name = "lease.slow")
		public void slow(long millis, TaskContext context) throws InterruptedException {
			this.attempts.add(context.attempt());
			Thread.sleep(millis);
		}

		@Task(name = "lease.record")
		public void record(TaskContext context) {
			this.attempts.add(context.attempt());
		}

		@Task(name = "lease.twoAttempts", maxAttempts = 2)
		public void twoAttempts(TaskContext context) {
			this.attempts.add(context.attempt());
		}

	}

}
