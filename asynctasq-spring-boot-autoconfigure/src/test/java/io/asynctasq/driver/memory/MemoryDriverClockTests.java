package io.asynctasq.driver.memory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The memory driver on a clock of the caller's: due times follow it; {@code clear()} forgets everything. */
class MemoryDriverClockTests {

	private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

	private final MemoryDriver driver = new MemoryDriver(this.now::get);

	@AfterEach
	void close() {
		this.driver.close();
	}

	@Test
	void aDelayedTaskIsDueWhenItsClockSaysSo() throws InterruptedException {
		this.driver.enqueue(message("a"), Duration.ofHours(1));

		assertThat(reserve()).isEmpty();
		this.now.set(this.now.get().plus(Duration.ofHours(1)));
		assertThat(reserve()).extracting(Reservation::id).containsExactly("a");
	}

	@Test
	void aLeaseExpiresByItsClock() throws InterruptedException {
		this.driver.enqueue(message("a"), Duration.ZERO);
		Reservation first = reserve().get(0);
		assertThat(first.leaseDeadline()).isEqualTo(this.now.get().plus(Duration.ofMinutes(1)));

		this.now.set(first.leaseDeadline());
		assertThat(reserve()).extracting(Reservation::attempt).containsExactly(2);
		assertThat(this.driver.acknowledge(first)).isFalse();
	}

	@Test
	void clearForgetsEveryTask() throws InterruptedException {
		this.driver.enqueue(message("reserved"), Duration.ZERO);
		this.driver.enqueue(message("ready"), Duration.ZERO);
		this.driver.enqueue(message("delayed"), Duration.ofHours(1));
		Reservation reserved = reserve().get(0);
		assertThat(this.driver.counts("default")).isEqualTo(new QueueCounts(1, 1, 1, 0));

		this.driver.clear();

		assertThat(this.driver.counts("default")).isEqualTo(new QueueCounts(0, 0, 0, 0));
		assertThat(this.driver.acknowledge(reserved)).isFalse();
	}

	private List<Reservation> reserve() throws InterruptedException {
		return this.driver.reserve(List.of("default"), 1, Duration.ofMinutes(1), Duration.ZERO);
	}

	private TaskMessage message(String id) {
		return new TaskMessage(id, "default", "{}".getBytes(StandardCharsets.UTF_8), this.now.get());
	}

}
