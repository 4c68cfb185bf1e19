package io.asynctasq.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The health indicator answers within its timeout whatever the backend does, scans nothing per check, and
 * reflects what the worker is doing.
 */
class BoundedHealthTests {

	private static final Duration TIMEOUT = Duration.ofMillis(300);

	private final ControllableDriver driver = new ControllableDriver();

	private Worker worker;

	private AsyncTasqHealthIndicator indicator;

	@AfterEach
	void close() {
		this.driver.release.countDown();
		if (this.indicator != null) {
			this.indicator.close();
		}
		if (this.worker != null) {
			this.worker.close();
		}
		this.driver.close();
	}

	@Test
	void aBackendThatDoesNotAnswerIsDownWithinTheTimeoutAndUpWhenItAnswersAgain() {
		this.indicator = indicator(null, Duration.ofSeconds(10));
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.UP);
		this.driver.hangPing.set(true);

		for (int i = 0; i < 5; i++) {
			long started = System.nanoTime();
			Health health = this.indicator.health();
			Duration took = Duration.ofNanos(System.nanoTime() - started);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(String.valueOf(health.getDetails().get("error")))
				.contains("The memory backend").contains("PT0.3S (asynctasq.health.timeout)");
			assertThat(took).as("check %d answered within its bound", i).isLessThan(TIMEOUT.plusSeconds(1));
		}
		assertThat(this.driver.pingsWaiting.get()).as("hanging pings are bounded")
			.isLessThanOrEqualTo(BoundedPing.MAX_HANGING);

		this.driver.hangPing.set(false);
		Awaitility.await().atMost(Duration.ofSeconds(5))
			.until(() -> this.indicator.health().getStatus().equals(Status.UP));
	}

	@Test
	void countsComeFromOneBackgroundSnapshotPerRefreshNotFromEveryCheck() {
		// the default timeout: 50 checks in a row must not fail on a ping a loaded machine delays
		this.indicator = new AsyncTasqHealthIndicator(this.driver, null, () -> List.of("default"),
				AsyncTasqHealthIndicator.DEFAULT_TIMEOUT, Duration.ofHours(1));
		Awaitility.await().atMost(Duration.ofSeconds(5))
			.until(() -> this.indicator.health().getDetails().containsKey("queues"));
		for (int i = 0; i < 50; i++) {
			assertThat(this.indicator.health().getDetails()).containsKey("queues");
		}
		assertThat(this.driver.countCalls.get()).as("one snapshot of the one queue").isEqualTo(1);
	}

	@Test
	void zeroCountsRefreshLeavesCountsOut() {
		this.indicator = indicator(null, Duration.ZERO);
		for (int i = 0; i < 5; i++) {
			assertThat(this.indicator.health().getDetails()).doesNotContainKey("queues");
		}
		assertThat(this.driver.countCalls.get()).isZero();
	}

	@Test
	void aRunningWorkerIsUpWithItsStateQueuesAndLastFetch() {
		this.worker = worker(Duration.ofMillis(50));
		this.worker.start();
		this.indicator = indicator(this.worker, Duration.ofSeconds(10));

		Awaitility.await().atMost(Duration.ofSeconds(5))
			.until(() -> workerDetails(this.indicator.health()).containsKey("lastFetch"));
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(workerDetails(health)).containsEntry("state", "running")
			.containsEntry("queues", List.of("default"))
			.containsEntry("inFlight", 0)
			.containsEntry("concurrency", 2);
	}

	@Test
	void aStoppedWorkerIsOutOfService() {
		this.worker = worker(Duration.ofMillis(50));
		this.worker.start();
		this.indicator = indicator(this.worker, Duration.ofSeconds(10));
		this.worker.stop();

		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(workerDetails(health)).containsEntry("state", "stopped");
	}

	@Test
	void aWorkerWhoseReserveKeepsFailingIsDownWithTheCauseWhileTheBackendAnswers() {
		this.driver.failReserve.set(true);
		this.worker = worker(Duration.ofMillis(50));
		this.worker.start();
		this.indicator = indicator(this.worker, Duration.ofSeconds(10));

		Awaitility.await().atMost(Duration.ofSeconds(10))
			.until(() -> this.indicator.health().getStatus().equals(Status.DOWN));
		assertThat(String.valueOf(this.indicator.health().getDetails().get("error")))
			.contains("worker: the last").contains("reserve calls failed").contains("reserve refused: corrupt row");

		this.driver.failReserve.set(false);
		Awaitility.await().atMost(Duration.ofSeconds(15))
			.until(() -> this.indicator.health().getStatus().equals(Status.UP));
	}

	@Test
	void aWorkerStuckInOneReserveIsDownAsWedgedWhileTheBackendAnswers() {
		this.driver.hangReserve.set(true);
		this.worker = worker(Duration.ofMillis(50));
		this.worker.start();
		this.indicator = indicator(this.worker, Duration.ofSeconds(10));

		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.UP);
		Awaitility.await().atMost(Duration.ofSeconds(15))
			.until(() -> this.indicator.health().getStatus().equals(Status.DOWN));
		assertThat(String.valueOf(this.indicator.health().getDetails().get("error")))
			.contains("worker: wedged: one reserve call has been running for");
	}

	private AsyncTasqHealthIndicator indicator(Worker worker, Duration countsRefresh) {
		return new AsyncTasqHealthIndicator(this.driver, worker, () -> List.of("default"), TIMEOUT, countsRefresh);
	}

	private Worker worker(Duration pollInterval) {
		WorkerSettings settings = new WorkerSettings(List.of(), 2, 2, Duration.ofSeconds(1), pollInterval,
				Duration.ofSeconds(30), ExecutorMode.PLATFORM, TaskOptions.DEFAULTS);
		return new Worker(this.driver, new TaskRegistry(), new PayloadCodec(), settings, AsyncTasqEventListener.NONE);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> workerDetails(Health health) {
		return (Map<String, Object>) health.getDetails().get("worker");
	}

	/** A memory driver whose ping, reserve and counts a test can make hang or fail. */
	static final class ControllableDriver extends MemoryDriver {

		final AtomicBoolean hangPing = new AtomicBoolean();

		final AtomicBoolean failReserve = new AtomicBoolean();

		final AtomicBoolean hangReserve = new AtomicBoolean();

		final AtomicInteger pingsWaiting = new AtomicInteger();

		final AtomicInteger countCalls = new AtomicInteger();

		final CountDownLatch release = new CountDownLatch(1);

		@Override
		public void ping() {
			if (this.hangPing.get()) {
				this.pingsWaiting.incrementAndGet();
				try {
					// a backend that went silent: the client waits, uninterruptibly, until the test ends
					boolean interrupted = false;
					while (this.hangPing.get() && this.release.getCount() > 0) {
						try {
							this.release.await(10, TimeUnit.MILLISECONDS);
						}
						catch (InterruptedException ex) {
							interrupted = true;
						}
					}
					if (interrupted) {
						Thread.currentThread().interrupt();
					}
				}
				finally {
					this.pingsWaiting.decrementAndGet();
				}
			}
			super.ping();
		}

		@Override
		public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
				throws InterruptedException {
			if (this.failReserve.get()) {
				throw new DriverException("reserve refused: corrupt row");
			}
			if (this.hangReserve.get()) {
				this.release.await();
			}
			return super.reserve(queues, max, lease, wait);
		}

		@Override
		public QueueCounts counts(String queue) {
			this.countCalls.incrementAndGet();
			return super.counts(queue);
		}

	}

}
