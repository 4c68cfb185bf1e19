package io.asynctasq.worker;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease one reserved task holds: the worker's default length until the task's own visibility timeout
 * is known. The worker's {@link LeaseRenewer} renews it; a lease shorter than the default gets a renewal
 * timer of its own. Renewal stops once the task no longer {@linkplain TaskExecution#holdsLease() holds it}.
 */
final class TaskLease {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private final TaskExecution execution;

	private final QueueDriver driver;

	private final ScheduledExecutorService scheduler;

	// Volatile: set on the task thread, read on the timer thread that renews leases.

	private volatile Duration length;

	/** When the lease was last granted or extended ({@link System#nanoTime()}). */
	private volatile long grantedAt = System.nanoTime();

	private volatile boolean lost;

	/** The renewal timer of a lease shorter than the default; {@code null} while the shared renewal keeps it. */
	private volatile @Nullable ScheduledFuture<?> ownTimer;

	TaskLease(TaskExecution execution, QueueDriver driver, ScheduledExecutorService scheduler, Duration length) {
		this.execution = execution;
		this.driver = driver;
		this.scheduler = scheduler;
		this.length = length;
	}

	/** Extends the lease to the task's own length when that differs from the default it was reserved with. */
	void adjustTo(Duration taskLength) {
		Duration defaultLength = this.length;
		if (taskLength.equals(defaultLength)) {
			return;
		}
		this.length = taskLength;
		this.driver.extendLease(this.execution.reservation(), taskLength);
		this.grantedAt = System.nanoTime();
		if (taskLength.compareTo(defaultLength) < 0) {
			// shorter than the worker's shared renewal period: this task needs a timer of its own
			long period = Math.max(10, taskLength.toMillis() / 3);
			this.ownTimer = this.scheduler.scheduleAtFixedRate(this::renew, period, period, TimeUnit.MILLISECONDS);
			if (!this.execution.holdsLease()) {
				stop(); // released meanwhile, perhaps before there was a timer to stop
			}
		}
	}

	/**
	 * Whether the shared renewal is to extend it now: a third of it has passed, no timer of its own keeps it,
	 * and the task still holds it.
	 */
	boolean dueForSharedRenewal(long now) {
		if (this.ownTimer != null || this.lost || now - this.grantedAt < this.length.toNanos() / 3) {
			return false;
		}
		if (!this.execution.holdsLease()) {
			stop();
			return false;
		}
		return true;
	}

	/** The length it is extended by. */
	Duration length() {
		return this.length;
	}

	/** The task it is the lease of. */
	Reservation reservation() {
		return this.execution.reservation();
	}

	/** The renewal asked for at {@code askedAt} ({@link System#nanoTime()}) was granted, or found the lease lost. */
	void renewed(boolean extended, long askedAt) {
		if (extended) {
			this.grantedAt = askedAt;
			return;
		}
		if (!this.execution.holdsLease()) {
			return; // finished meanwhile: the lease ended with it
		}
		this.lost = true;
		logger.warn("Task {} '{}': lease lost; another worker may run it", this.execution.reservation().id(),
				this.execution.taskName());
		stop();
	}

	/** The lease's own timer: renews it alone. */
	private void renew() {
		if (!this.execution.holdsLease()) {
			stop();
			return;
		}
		if (this.lost) {
			return;
		}
		try {
			long now = System.nanoTime();
			renewed(this.driver.extendLease(this.execution.reservation(), this.length), now);
		}
		catch (RuntimeException ex) {
			logger.warn("Task {}: lease renewal failed; will try again", this.execution.reservation().id(), ex);
		}
	}

	/** Stops the lease's own timer, if it has one. */
	void stop() {
		ScheduledFuture<?> timer = this.ownTimer;
		if (timer != null) {
			timer.cancel(false);
		}
	}

}
