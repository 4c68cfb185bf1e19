package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grace a task gets when this worker cannot run it (a name it does not know, arguments that do not fit
 * its parameters): during a rolling deploy another worker on the same queue may know it, so it goes back to
 * its queue with back-off until the grace has passed since its dispatch, and only then is dead-lettered.
 * Warns at most once a minute per task name.
 */
final class UnknownTaskGrace {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private static final Duration WARN_EVERY = Duration.ofMinutes(1);

	private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

	/** Task names warned about, and when; bounded, since names come from messages. */
	private static final int MAX_WARNED_NAMES = 1_000;

	private final Duration grace;

	private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

	UnknownTaskGrace(Duration grace) {
		this.grace = grace;
	}

	Duration grace() {
		return this.grace;
	}

	/**
	 * How long to postpone a task dispatched at {@code dispatchedAt} that this worker cannot run, or
	 * {@code null} when its grace has passed and it is to be dead-lettered. The back-off is a tenth of the
	 * task's age, from 1 s to 30 s (a task that keeps meeting old workers is not pushed far back), and never
	 * passes the end of the grace.
	 */
	@Nullable Duration postponement(Instant dispatchedAt, Instant now) {
		Duration age = Duration.between(dispatchedAt, now);
		if (age.isNegative()) {
			age = Duration.ZERO;
		}
		Duration left = this.grace.minus(age);
		if (left.isNegative() || left.isZero()) {
			return null;
		}
		Duration backoff = age.dividedBy(10);
		backoff = (backoff.compareTo(MIN_BACKOFF) < 0) ? MIN_BACKOFF
				: (backoff.compareTo(MAX_BACKOFF) > 0) ? MAX_BACKOFF : backoff;
		return (backoff.compareTo(left) > 0) ? left : backoff;
	}

	/** Logs, at most once a minute per task name, that tasks of that name are postponed here. */
	void warnPostponed(String taskId, String taskName, String queue, String reason, String detail, Duration delay) {
		long now = System.nanoTime();
		Long previous = this.lastWarned.get(taskName);
		if (previous != null && now - previous < WARN_EVERY.toNanos()) {
			return;
		}
		if (this.lastWarned.size() >= MAX_WARNED_NAMES) {
			this.lastWarned.clear();
		}
		this.lastWarned.put(taskName, now);
		logger.warn("Task {} '{}' on queue '{}' cannot run on this worker ({}: {}); it goes back to its queue for a "
				+ "worker that can (next try in {} ms) and is dead-lettered once {} have passed since its dispatch "
				+ "(asynctasq.worker.unknown-task-grace). Further tasks named '{}' are not logged for a minute.",
				taskId, taskName, queue, reason, detail, delay.toMillis(), this.grace, taskName);
	}

}
