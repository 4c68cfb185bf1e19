package io.asynctasq.worker;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Keeps the leases of a worker's reserved tasks, running or prefetched, from one timer: every third of
 * the default lease it extends each lease a third of which has passed. One timer for all tasks instead of
 * one per task keeps short tasks free of timer bookkeeping; a task whose own lease is shorter than the
 * default keeps a timer of its own.
 */
final class LeaseRenewer {

	private final Collection<TaskExecution> reserved;

	private final Duration period;

	private @Nullable ScheduledFuture<?> timer;

	LeaseRenewer(Collection<TaskExecution> reserved, Duration defaultLease) {
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

	private void renewDue() {
		long now = System.nanoTime();
		for (TaskExecution execution : this.reserved) {
			execution.renewLeaseIfDue(now);
		}
	}

}
