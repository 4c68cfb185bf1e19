package io.asynctasq.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the worker does with what a backend hands it that cannot run, or cannot be dead-lettered as it is: a
 * corrupt message is dead-lettered unrun and alone; a dead-letter write the backend refuses is stored without
 * the failure's texts, and a task whose dead-letter write keeps failing is never run past its attempts.
 */
class WorkerPoisonTests {

	private final EventLog events = new EventLog();

	private final Counter counter = new Counter();

	private final PoisonDriver driver = new PoisonDriver();

	private AsyncTasqRuntime runtime;

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void aCorruptMessageIsDeadLetteredUnrunWithItsDefectAndTheOthersRun() {
		start(Duration.ofSeconds(30));
		List<String> good = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			good.add(this.runtime.dispatcher().dispatch("counter.count", i));
		}
		String corrupt = this.runtime.dispatcher().dispatch("counter.count", 99);
		for (int i = 5; i < 10; i++) {
			good.add(this.runtime.dispatcher().dispatch("counter.count", i));
		}

		good.forEach((id) -> this.events.await(TaskEvent.Completed.class, id));
		TaskEvent.DeadLettered dead = this.events.await(TaskEvent.DeadLettered.class, corrupt);
		assertThat(dead.reason()).startsWith("corrupt message: corrupt attempt counter: -3 attempts made");
		assertThat(this.counter.seen).hasSize(10).doesNotContain(99);
		DeadLetter letter = this.driver.deadLetters("default", 0, 10).get(0);
		assertThat(letter.id()).isEqualTo(corrupt);
		assertThat(letter.failure().reason()).isEqualTo("corrupt message");
		assertThat(this.driver.counts("default")).isEqualTo(new QueueCounts(0, 0, 0, 1));
	}

	@Test
	void aFailureTheBackendRefusesIsStoredWithoutItsTexts() {
		this.driver.refuseDetails.set(true);
		start(Duration.ofSeconds(30));

		String id = this.runtime.dispatcher().task("counter.count").maxAttempts(1).dispatch(-1);

		TestRuntimes.await().untilAsserted(() -> assertThat(this.driver.deadLetters("default", 0, 10)).hasSize(1));
		DeadLetter letter = this.driver.deadLetters("default", 0, 10).get(0);
		assertThat(letter.id()).isEqualTo(id);
		assertThat(letter.failure().reason()).isEqualTo("failed");
		assertThat(letter.failure().errorClass()).isEqualTo(IllegalArgumentException.class.getName());
		assertThat(letter.failure().errorMessage()).isNull();
		assertThat(letter.failure().stackTrace()).isNull();
		assertThat(this.counter.runs.get()).isEqualTo(1);
	}

	@Test
	void aTaskWhoseDeadLetterWriteKeepsFailingIsNotRunPastItsAttempts() {
		this.driver.refuseAll.set(true);
		start(Duration.ofMillis(200));

		this.runtime.dispatcher().task("counter.count").maxAttempts(2).dispatch(-1);

		// each lease expiry hands it out again; only its two attempts ever run
		TestRuntimes.await().until(() -> this.driver.deadLetterCalls.get() >= 6);
		assertThat(this.counter.runs.get()).isEqualTo(2);
		this.driver.refuseAll.set(false);
		TestRuntimes.await().untilAsserted(() -> assertThat(this.driver.deadLetters("default", 0, 10)).hasSize(1));
		assertThat(this.counter.runs.get()).isEqualTo(2);
	}

	private void start(Duration lease) {
		this.runtime = TestRuntimes.builder(this.events)
			.driver(this.driver)
			.tasks(this.counter)
			.taskDefaults(TestRuntimes.FAST_DEFAULTS.withVisibilityTimeout(lease))
			.build();
	}

	static class Counter {

		final Set<Integer> seen = ConcurrentHashMap.newKeySet();

		final AtomicInteger runs = new AtomicInteger();

		@Task(name = "counter.count")
		public void count(int n) {
			this.runs.incrementAndGet();
			if (n < 0) {
				throw new IllegalArgumentException("negative: " + n);
			}
			this.seen.add(n);
		}

	}

	/**
	 * A memory driver that hands tasks whose arguments are [99] out as if their stored counter were -3, and can
	 * refuse dead-letter
	 * writes (all of them, or those carrying a message), as a backend refusing what it cannot store.
	 */
	static final class PoisonDriver extends MemoryDriver {

		final AtomicBoolean refuseDetails = new AtomicBoolean();

		final AtomicBoolean refuseAll = new AtomicBoolean();

		final AtomicInteger deadLetterCalls = new AtomicInteger();

		@Override
		public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
				throws InterruptedException {
			return super.reserve(queues, max, lease, wait).stream()
				.map((reserved) -> isCorrupt(reserved) ? Reservation.afterAttempts(reserved.message(),
						-3, reserved.leaseToken(), reserved.leaseDeadline()) : reserved)
				.toList();
		}

		private static boolean isCorrupt(Reservation reservation) {
			return new String(reservation.message().body(), StandardCharsets.UTF_8).contains("\"args\":[99]");
		}

		@Override
		public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
			this.deadLetterCalls.incrementAndGet();
			if (this.refuseAll.get() || (this.refuseDetails.get() && failure.errorMessage() != null)) {
				throw new DriverException("the store refused the dead letter");
			}
			return super.deadLetter(reservation, failure);
		}

	}

}
