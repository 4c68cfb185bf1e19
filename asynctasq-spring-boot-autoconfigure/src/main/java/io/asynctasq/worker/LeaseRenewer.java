package io.asynctasq.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.asynctasq.driver.QueueDriver;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leases of a worker's reserved tasks, running or prefetched, from one timer: every third of
 * the default lease it extends each lease a third of which has passed, all of one length in one driver
 * call. One timer for all tasks instead of one per task keeps short tasks free of timer bookkeeping; a task
 * whose own lease is shorter than the default keeps a timer of its own.
 */
final class LeaseRenewer {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private final QueueDriver driver;

	private final Collection<TaskExecution> reserved;

	private final Duration period;

	private @Nullable ScheduledFuture<?> timer;

	LeaseRenewer(QueueDriver driver, Collection<TaskExecution> reserved, Duration defaultLease) {
		this.driver = driver;
		this.reserved = reserved;
		this.period = Duration.ofMillis(Math.max(10, defaultLease.toMillis() / 3));
	}

	synchronized void start(ScheduledExecutorService scheduler) {
		long millis = this.period.toMillis();
		this.timer = scheduler.scheduleWithFixedDelay(this::renewDue, millis, millis, TimeUnit.MILLISECONDS);
	}

	synchronized void stop() {
		if (this.timer != null) {
			this.timer.cancel(false);
			this.timer = null;
		}
	}

	/** Extends the leases that are due, of the same length in one driver call ({@link QueueDriver#extendLeases}). */
	private void renewDue() {
		long now = System.nanoTime();
		Map<Duration, List<TaskLease>> due = new LinkedHashMap<>();
		for (TaskExecution execution : this.reserved) {
			TaskLease lease = execution.lease();
			if (lease.dueForSharedRenewal(now)) {
				due.computeIfAbsent(lease.length(), (length) -> new ArrayList<>()).add(lease);
			}
		}
		due.forEach((length, leases) -> renew(leases, length, now));
	}

	private void renew(List<TaskLease> leases, Duration length, long now) {
		try {
			boolean[] extended = this.driver.extendLeases(leases.stream().map(TaskLease::reservation).toList(), length);
			for (int i = 0; i < extended.length; i++) {
				leases.get(i).renewed(extended[i], now);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Lease renewal of {} task(s) failed ({}); will try again", leases.size(),
					leases.stream().map((lease) -> lease.reservation().id()).toList(), ex);
		}
	}

}
