package io.asynctasq.inspection;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * Health and metrics read queue sizes through it.
 */
public final class QueueCountsSnapshot implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(QueueCountsSnapshot.class);

	private final QueueDriver driver;

	private final Supplier<List<String>> queues;

	private final Duration refresh;

	private final Executor executor;

	private final @Nullable ExecutorService ownExecutor;

	private final AtomicBoolean refreshing = new AtomicBoolean();

	private volatile @Nullable Snapshot last;

	private volatile long lastStartedAt;

	/**
	 * A snapshot counted on a daemon thread of its own, named {@code threadName}, which {@link #close()} ends.
	 */
	public static QueueCountsSnapshot onOwnThread(QueueDriver driver, Supplier<List<String>> queues, Duration refresh,
			String threadName) {
		ExecutorService executor = Executors.newSingleThreadExecutor((runnable) -> {
			Thread thread = new Thread(runnable, threadName);
			thread.setDaemon(true);
			return thread;
		});
		return new QueueCountsSnapshot(driver, queues, refresh, executor, executor);
	}

	/** A snapshot counted on {@code executor}, which stays the caller's. */
	public QueueCountsSnapshot(QueueDriver driver, Supplier<List<String>> queues, Duration refresh, Executor executor) {
		this(driver, queues, refresh, executor, null);
	}

	private QueueCountsSnapshot(QueueDriver driver, Supplier<List<String>> queues, Duration refresh, Executor executor,
			@Nullable ExecutorService ownExecutor) {
		this.driver = driver;
		this.queues = queues;
		this.refresh = refresh;
		this.executor = executor;
		this.ownExecutor = ownExecutor;
	}

	/** Ends the snapshot's own thread, if it has one; the last snapshot can still be read. */
	@Override
	public void close() {
		if (this.ownExecutor != null) {
			this.ownExecutor.shutdownNow();
		}
	}

	/** The latest snapshot, or {@code null} before the first one completed; starts a refresh when due. */
	public @Nullable Snapshot read() {
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
			logger.debug("AsyncTasQ: counting the queues failed; keeping the previous counts", ex);
		}
		finally {
			this.refreshing.set(false);
		}
	}

	/** Counts per queue, and when they were taken. */
	public record Snapshot(Map<String, QueueCounts> counts, Instant takenAt) {
	}

}
