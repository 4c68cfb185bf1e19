package io.asynctasq.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.asynctasq.driver.QueueDriver;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expires the dead letters of a running worker's queues once they are older than the retention
 * ({@code asynctasq.dead-letter.retention}), on the worker's timer: when the worker starts, then every minute (every
 * retention when that is shorter). Each run asks the driver to delete up to {@value #MAX_PER_CALL} of each queue's
 * oldest ({@link QueueDriver#expireDeadLetters}), so a run stays short; when a queue had that many, the next run
 * follows at once, so a backlog drains without holding the timer. A driver whose backend expires them itself
 * ({@link QueueDriver#expiresDeadLettersItself()}) is never asked. A failure is logged once per outage and never
 * stops the worker; a driver that cannot expire dead letters is asked once, with a warning.
 */
final class DeadLetterPruner {

	private static final Logger logger = LoggerFactory.getLogger(DeadLetterPruner.class);

	/** The longest time between two runs. */
	static final Duration MAX_INTERVAL = Duration.ofMinutes(1);

	/** Dead letters deleted at most per queue and driver call. */
	static final int MAX_PER_CALL = 1_000;

	private final String workerId;

	private final QueueDriver driver;

	private final Duration retention;

	private final Duration interval;

	private @Nullable ScheduledExecutorService scheduler;

	private @Nullable ScheduledFuture<?> scheduled;

	private List<String> queues = List.of();

	/** Guarded by this. */
	private boolean stopped;

	/** Whether the driver cannot expire dead letters. Guarded by this. */
	private boolean unsupported;

	/** Whether the previous run failed, so an outage is logged once. Guarded by this. */
	private boolean failing;

	DeadLetterPruner(String workerId, QueueDriver driver, Duration retention) {
		this.workerId = workerId;
		this.driver = driver;
		this.retention = retention;
		this.interval = (retention.compareTo(MAX_INTERVAL) < 0) ? retention : MAX_INTERVAL;
	}

	/** The time between two runs. */
	Duration interval() {
		return this.interval;
	}

	/** Runs now, then every {@link #interval()}, over {@code queues}; nothing when the backend expires them itself. */
	synchronized void start(ScheduledExecutorService scheduler, List<String> queues) {
		if (this.driver.expiresDeadLettersItself()) {
			logger.info("AsyncTasQ worker {}: the {} driver's backend expires dead letters after {} itself", this.workerId,
					this.driver.name(), this.retention);
			return;
		}
		this.scheduler = scheduler;
		this.queues = List.copyOf(queues);
		long period = Math.max(1, this.interval.toMillis());
		this.scheduled = scheduler.scheduleWithFixedDelay(this::run, 0, period, TimeUnit.MILLISECONDS);
		logger.info("AsyncTasQ worker {}: dead letters of {} older than {} are deleted every {}", this.workerId,
				this.queues, this.retention, this.interval);
	}

	/** No run after this one. */
	synchronized void stop() {
		this.stopped = true;
		if (this.scheduled != null) {
			this.scheduled.cancel(false);
		}
	}

	/** One run over every queue; runs again at once when a queue had more than one call deletes. */
	void run() {
		if (prune()) {
			ScheduledExecutorService timer = this.scheduler;
			try {
				if (timer != null) {
					timer.execute(this::run);
				}
			}
			catch (RejectedExecutionException ex) {
				// the worker closed
			}
		}
	}

	/** Deletes what is past the retention in each queue; whether a queue has more. */
	synchronized boolean prune() {
		if (this.stopped || this.unsupported) {
			return false;
		}
		boolean more = false;
		String queue = null;
		try {
			for (String each : this.queues) {
				queue = each;
				long expired = this.driver.expireDeadLetters(each, this.retention, MAX_PER_CALL);
				if (expired > 0) {
					logger.debug("AsyncTasQ worker {}: deleted {} dead letter(s) of queue '{}' older than {}",
							this.workerId, expired, each, this.retention);
				}
				more |= expired >= MAX_PER_CALL;
			}
			if (this.failing) {
				this.failing = false;
				logger.info("AsyncTasQ worker {}: expiring dead letters in {} works again", this.workerId,
						this.driver.name());
			}
		}
		catch (UnsupportedOperationException ex) {
			this.unsupported = true;
			logger.warn("AsyncTasQ worker {}: asynctasq.dead-letter.retention is set, but {}; dead letters are kept",
					this.workerId, ex.getMessage());
		}
		catch (RuntimeException ex) {
			if (!this.failing) {
				this.failing = true;
				logger.warn("AsyncTasQ worker {}: expiring the dead letters of queue '{}' in {} failed ({}); tried again "
						+ "every {}", this.workerId, queue, this.driver.name(), ex.toString(), this.interval);
			}
			else {
				logger.debug("AsyncTasQ worker {}: expiring dead letters failed again ({})", this.workerId,
						ex.toString());
			}
		}
		return more;
	}

}
