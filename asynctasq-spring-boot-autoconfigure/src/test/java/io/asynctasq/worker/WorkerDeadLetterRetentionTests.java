package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * A worker with a dead-letter retention on the memory driver: its pruner deletes what is past the retention in the
 * queues it serves, a backlog larger than one call without waiting for the next period, and keeps the rest; a
 * driver that cannot expire dead letters is asked once, with a warning.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class WorkerDeadLetterRetentionTests {

	@Test
	void aBacklogLargerThanOneCallDrainsInOneRunAndOtherQueuesAreLeftAlone() throws Exception {
		int backlog = DeadLetterPruner.MAX_PER_CALL * 2 + 500;
		Duration retention = Duration.ofSeconds(2);
		MemoryDriver driver = new MemoryDriver();
		deadLetter(driver, "served", backlog);
		deadLetter(driver, "elsewhere", 1);
		AsyncTasqRuntime runtime = TestRuntimes.builder(new EventLog())
			.driver(driver)
			.queues("served")
			.deadLetterRetention(retention)
			.build();
		try {
			assertThat(runtime.worker().deadLetterRetention()).isEqualTo(retention);
			await().until(() -> driver.counts("served").deadLettered() < backlog);
			// the rest goes in the runs that follow at once, well before the next period
			await().atMost(retention.dividedBy(2)).until(() -> driver.counts("served").deadLettered() == 0);
			assertThat(driver.counts("elsewhere").deadLettered()).as("a queue this worker does not serve").isEqualTo(1);

			deadLetter(driver, "served", 1);
			assertThat(driver.counts("served").deadLettered()).as("a fresh dead letter").isEqualTo(1);
			await().atMost(retention.multipliedBy(3)).until(() -> driver.counts("served").deadLettered() == 0);
		}
		finally {
			runtime.close();
		}
	}

	@Test
	void aDriverThatCannotExpireDeadLettersIsAskedOnceWithAWarning(CapturedOutput output) {
		AtomicInteger asked = new AtomicInteger();
		MemoryDriver driver = new MemoryDriver() {

			@Override
			public long expireDeadLetters(String queue, Duration retention, int max) {
				asked.incrementAndGet();
				throw new UnsupportedOperationException("The old driver cannot expire dead letters");
			}

		};
		AsyncTasqRuntime runtime = TestRuntimes.builder(new EventLog())
			.driver(driver)
			.queues("default")
			.deadLetterRetention(Duration.ofMillis(20))
			.build();
		try {
			await().until(() -> output.getAll().contains("asynctasq.dead-letter.retention is set, but The old driver "
					+ "cannot expire dead letters; dead letters are kept"));
			// several periods later, still asked once
			await().pollDelay(Duration.ofMillis(200)).until(() -> true);
			assertThat(asked).hasValue(1);
			assertThat(runtime.worker().status().state()).isEqualTo(WorkerStatus.State.RUNNING);
		}
		finally {
			runtime.close();
		}
	}

	@Test
	void theRetentionIsPositive() {
		AsyncTasqRuntime runtime = TestRuntimes.builder(new EventLog()).build();
		try {
			assertThatIllegalArgumentException().isThrownBy(() -> runtime.worker().expireDeadLettersAfter(Duration.ZERO));
			assertThat(runtime.worker().deadLetterRetention()).isNull();
		}
		finally {
			runtime.close();
		}
	}

	/** Dead-letters {@code count} new tasks of {@code queue} through {@code driver}. */
	private static void deadLetter(QueueDriver driver, String queue, int count) throws InterruptedException {
		List<TaskMessage> messages = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			messages.add(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { 1 }, Instant.now()));
		}
		driver.enqueueAll(messages, Duration.ZERO);
		int left = count;
		while (left > 0) {
			List<Reservation> reserved = driver.reserve(List.of(queue), left, Duration.ofMinutes(1), Duration.ZERO);
			for (Reservation reservation : reserved) {
				assertThat(driver.deadLetter(reservation, DeadLetter.Failure.of("failed"))).isTrue();
			}
			left -= reserved.size();
		}
	}

}
