package io.asynctasq.worker;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.WorkerHeartbeat;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker's heartbeats on the memory driver: the first at start, then every interval with a ttl of three; the
 * failed total; removed on stop; a failing backend logged once per outage, a driver without heartbeats asked once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class WorkerHeartbeatTests {

	private static final Duration INTERVAL = Duration.ofMillis(50);

	@Test
	void beatsWhileRunningWithItsTotalsAndIsRemovedOnStop() {
		BeatCountingDriver driver = new BeatCountingDriver();
		AsyncTasqRuntime runtime = TestRuntimes.builder(new EventLog())
			.driver(driver)
			.tasks(new FailingTask())
			.queues("default")
			.concurrency(2)
			.heartbeatInterval(Duration.ofHours(1))
			.build();
		try {
			Worker worker = runtime.worker();
			await().until(() -> driver.beats.get() == 1);
			assertThat(driver.lastTtl).isEqualTo(Duration.ofHours(3));
			assertThat(driver.workers()).singleElement().satisfies((heartbeat) -> {
				assertThat(heartbeat.workerId()).isEqualTo(worker.workerId());
				assertThat(heartbeat.queues()).containsExactly("default");
				assertThat(heartbeat.concurrency()).isEqualTo(2);
				assertThat(heartbeat.pid()).isEqualTo(ProcessHandle.current().pid());
			});
			runtime.dispatcher().dispatch("heartbeat.fails");
			await().until(() -> worker.failedCount() == 3);
			assertThat(worker.processedCount()).isEqualTo(3);
		}
		finally {
			runtime.close();
		}
		assertThat(driver.removed.get()).isEqualTo(1);
		assertThat(driver.beats.get()).as("the first beat only, with an interval of an hour").isEqualTo(1);
	}

	@Test
	void aFailingBackendIsLoggedOncePerOutageAndNeverStopsTheWorker(CapturedOutput output) {
		BeatCountingDriver driver = new BeatCountingDriver();
		driver.failing.set(true);
		AsyncTasqRuntime runtime = TestRuntimes.builder(new EventLog()).driver(driver).heartbeatInterval(INTERVAL)
			.build();
		try {
			await().until(() -> driver.attempts.get() >= 5);
			assertThat(runtime.worker().isRunning()).isTrue();
			driver.failing.set(false);
			await().until(() -> driver.beats.get() >= 1);
			await().until(() -> output.toString().contains("heartbeats are recorded in memory again"));
			assertThat(count(output.toString(), "recording its heartbeat in memory failed")).isEqualTo(1);
			assertThat(driver.lastTtl).isEqualTo(INTERVAL.multipliedBy(3));
		}
		finally {
			runtime.close();
		}
	}

	@Test
	void aDriverWithoutHeartbeatsIsAskedOnce() {
		AtomicInteger asked = new AtomicInteger();
		QueueDriver driver = new MemoryDriver() {

			@Override
			public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
				asked.incrementAndGet();
				throw new UnsupportedOperationException("no heartbeats here");
			}

			@Override
			public void removeWorker(String workerId) {
				asked.incrementAndGet();
				throw new UnsupportedOperationException("no heartbeats here");
			}

		};
		AsyncTasqRuntime runtime = TestRuntimes.builder(new EventLog())
			.driver(driver)
			.tasks(new FailingTask())
			.heartbeatInterval(INTERVAL)
			.build();
		try {
			await().until(() -> asked.get() == 1);
			runtime.dispatcher().dispatch("heartbeat.fails");
			await().until(() -> runtime.worker().processedCount() > 0);
			assertThat(runtime.worker().isRunning()).isTrue();
		}
		finally {
			runtime.close();
		}
		assertThat(asked.get()).as("one beat, no removal").isEqualTo(1);
	}

	private static int count(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
			count++;
		}
		return count;
	}

	/** The memory driver, counting beats and removals; its beats fail while {@link #failing} is set. */
	static final class BeatCountingDriver extends MemoryDriver {

		final AtomicInteger attempts = new AtomicInteger();

		final AtomicInteger beats = new AtomicInteger();

		final AtomicInteger removed = new AtomicInteger();

		final AtomicBoolean failing = new AtomicBoolean();

		volatile Duration lastTtl;

		@Override
		public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
			this.attempts.incrementAndGet();
			if (this.failing.get()) {
				throw new DriverException("backend down (test)");
			}
			this.lastTtl = ttl;
			super.beat(heartbeat, ttl);
			this.beats.incrementAndGet();
		}

		@Override
		public void removeWorker(String workerId) {
			super.removeWorker(workerId);
			this.removed.incrementAndGet();
		}

	}

	public static class FailingTask {

		@Task(name = "heartbeat.fails")
		public void fail() {
			throw new IllegalStateException("fails (test)");
		}

	}

}
