package io.asynctasq.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A dispatch fails within the dispatch timeout while the backend does not answer, whatever its client does,
 * and works again when it answers; oversized payloads and out-of-range options fail at the call.
 */
class BoundedDispatchTests {

	private static final Duration TIMEOUT = Duration.ofMillis(300);

	private final SilentDriver driver = new SilentDriver();

	private final AsyncTasqRuntime runtime = AsyncTasq.builder()
		.driver(this.driver)
		.tasks(new Reports())
		.worker(false)
		.dispatchTimeout(TIMEOUT)
		.maxPayloadSize(4096)
		.build();

	private final TaskDispatcher dispatcher = this.runtime.dispatcher();

	@AfterEach
	void close() {
		this.driver.answer();
		this.runtime.close();
	}

	@Test
	void dispatchFailsWithinTheTimeoutWhileTheBackendIsSilentThenWorksAgain() {
		this.driver.silent.set(true);

		for (int i = 0; i < 3; i++) {
			long started = System.nanoTime();
			assertThatThrownBy(() -> this.dispatcher.dispatch("reports.render", 1)).isInstanceOf(DriverException.class)
				.hasMessageContaining("The memory backend did not enqueue task")
				.hasMessageContaining("'reports.render' on queue 'default' within PT0.3S (asynctasq.dispatch.timeout)");
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(1));
		}
		assertThatThrownBy(() -> this.dispatcher.task("reports.render").dispatchAll(List.<Object[]>of(new Object[] { 1 })))
			.isInstanceOf(DriverException.class)
			.hasMessageContaining("within PT0.3S");

		this.driver.answer();
		String id = this.dispatcher.dispatch("reports.render", 2);
		assertThat(id).isNotBlank();
	}

	@Test
	void dispatchAsyncFailsItsFutureWithinTheTimeout() throws Exception {
		this.driver.silent.set(true);

		long started = System.nanoTime();
		CompletableFuture<String> future = this.dispatcher.dispatchAsync("reports.render", 1);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the call itself does not wait")
			.isLessThan(TIMEOUT);
		assertThatThrownBy(() -> future.get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS))
			.isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOf(DriverException.class)
			.hasMessageContaining("within PT0.3S (asynctasq.dispatch.timeout)");

		this.driver.answer();
		assertThat(this.dispatcher.dispatchAsync("reports.render", 2).get(5, TimeUnit.SECONDS)).isNotBlank();
	}

	@Test
	void aPayloadOverTheLimitFailsAtTheCallAndStoresNothing() {
		String big = "x".repeat(5000);
		assertThatIllegalArgumentException().isThrownBy(() -> this.dispatcher.dispatch("reports.title", big))
			.withMessageContaining("Task 'reports.title' encodes to ")
			.withMessageContaining("more than asynctasq.dispatch.max-payload-size (4096 bytes)")
			.withMessageContaining("pass a reference to large data");
		assertThat(this.driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
		assertThat(this.dispatcher.dispatch("reports.title", "x".repeat(3000))).isNotBlank();
	}

	@Test
	void optionsOutOfRangeFailAtTheCall() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.dispatcher.task("reports.render").maxAttempts(2_000_000))
			.withMessage("maxAttempts counts the first attempt and must be between 1 and 1000000, was 2000000");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.dispatcher.task("reports.render").timeout(Duration.ofSeconds(Long.MAX_VALUE)))
			.withMessageStartingWith("timeout must be zero or positive and at most 365 days");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.dispatcher.task("reports.render").delay(Duration.ofDays(366)))
			.withMessageStartingWith("delay must be zero or positive and at most 365 days");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.dispatcher.task("reports.render").visibilityTimeout(Duration.ZERO))
			.withMessageStartingWith("visibilityTimeout must be positive");
	}

	static class Reports {

		@Task(name = "reports.render")
		public void render(int report) {
		}

		@Task(name = "reports.title")
		public void title(String title) {
		}

	}

	/** A backend that stops answering: enqueue waits, ignoring interrupts, as a socket to a silent server does. */
	static final class SilentDriver extends MemoryDriver {

		final AtomicBoolean silent = new AtomicBoolean();

		private final CountDownLatch answering = new CountDownLatch(1);

		void answer() {
			this.silent.set(false);
		}

		@Override
		public void enqueueAll(List<TaskMessage> messages, Duration delay) {
			boolean interrupted = false;
			while (this.silent.get()) {
				try {
					this.answering.await(10, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
			super.enqueueAll(messages, delay);
		}

	}

}
