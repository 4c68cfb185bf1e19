package io.asynctasq.health;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counts of some queues, taken in the background and kept: a reader gets the last snapshot at once, and
 * a snapshot older than the refresh interval starts a new one (one at a time), so reading never waits for
 * the backend and the backend sees at most one round of counts per interval however often it is read.
 */
final class QueueCountsSnapshot {

	private static final Logger logger = LoggerFactory.getLogger(QueueCountsSnapshot.class);

	private final QueueDriver driver;

	private final Supplier<List<String>> queues;

	private final Duration refresh;

	private final Executor executor;

	private final AtomicBoolean refreshing = new AtomicBoolean();

	private volatile @Nullable Snapshot last;

	private volatile long lastStartedAt;

	QueueCountsSnapshot(QueueDriver driver, Supplier<List<String>> queues, Duration refresh, Executor executor) {
		this.driver = driver;
		this.queues = queues;
		this.refresh = refresh;
		this.executor = executor;
	}

	/** The latest snapshot, or {@code null} before the first one completed; starts a refresh when due. */
	@Nullable Snapshot read() {
		long now = System.nanoTime();
		if ((this.last == null || now - this.lastStartedAt >= this.refresh.toNanos())
				&& this.refreshing.compareAndSet(false, true)) {
			this.lastStartedAt = now;
			try {
				this.executor.execute(this::take);
			}
			catch (RuntimeException ex) {
				this.refreshing.set(false);
			}
		}
		return this.last;
	}

	private void take() {
		try {
			Map<String, QueueCounts> counts = new LinkedHashMap<>();
			for (String queue : this.queues.get()) {
				counts.put(queue, this.driver.counts(queue));
			}
			this.last = new Snapshot(counts, Instant.now());
		}
		catch (RuntimeException ex) {
			logger.debug("AsyncTasQ health: counting the queues failed; keeping the previous counts", ex);
		}
		finally {
			this.refreshing.set(false);
		}
	}

	/** Counts per queue, and when they were taken. */
	record Snapshot(Map<String, QueueCounts> counts, Instant takenAt) {
	}

}
