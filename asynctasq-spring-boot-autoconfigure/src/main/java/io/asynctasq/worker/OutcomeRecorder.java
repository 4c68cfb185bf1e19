package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.task.RetryPolicy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records with the driver what became of a reserved task: an attempt's outcome (acknowledged, retried or
 * dead-lettered, with its events and the failure hook), or how a task that was not run is settled
 * (dead-lettered or postponed). Shared by a worker's task threads; its only state is the
 * {@link Acknowledgements} waiting to be sent.
 */
final class OutcomeRecorder {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private final Worker worker;

	private final QueueDriver driver;

	private final UnknownTaskGrace grace;

	private final Acknowledgements acknowledgements;

	/** Records each attempt's outcome when results are enabled; {@code null} otherwise. */
	private volatile @Nullable TaskResults results;

	OutcomeRecorder(Worker worker, QueueDriver driver, UnknownTaskGrace grace) {
		this.worker = worker;
		this.driver = driver;
		this.grace = grace;
		this.acknowledgements = new Acknowledgements(driver, this);
	}

	/** Records results from now on ({@code null}: no more). */
	void recordResults(@Nullable TaskResults results) {
		this.results = results;
	}

	/**
	 * Records how an attempt that failed with {@code error} ended: retried or dead-lettered as its retry policy
	 * says. A driver failure is logged: the task then comes back when its lease expires.
	 * @param duration how long the attempt ran
	 */
	void attemptFailed(Reservation reservation, PreparedAttempt attempt, Throwable error, Duration duration) {
		try {
			if (RetryPolicy.shouldRetry(attempt.task(), attempt.options(), attempt.context().attempt(), error,
					attempt.context())) {
				retry(reservation, attempt, error, duration);
			}
			else {
				failPermanently(reservation, attempt, error, duration);
			}
		}
		catch (RuntimeException ex) {
			logger.error("Task {} '{}': the driver failed to record the attempt's outcome; the task comes back when "
					+ "its lease expires and runs again only if it has attempts left", reservation.id(),
					attempt.taskName(), ex);
		}
	}

	/** Settles a task that preparation decided not to run. */
	void settleUnrun(Reservation reservation, Preparation preparation) {
		if (preparation instanceof Preparation.Unrunnable unrunnable) {
			deadLetterUnrunnable(reservation, unrunnable);
		}
		else if (preparation instanceof Preparation.Postponed postponed) {
			postpone(reservation, postponed);
		}
		else if (preparation instanceof Preparation.Exhausted exhausted) {
			// a driver failure here is the worker's: the task's lease expires and it is dead-lettered next time
			failPermanently(reservation, exhausted.attempt(), exhausted.error(), null);
		}
		else {
			throw new IllegalArgumentException("Not a way to settle an unrun task: " + preparation);
		}
	}

	/**
	 * An attempt succeeded: its task is acknowledged with others that finished meanwhile, and its execution ends
	 * once it is.
	 */
	void succeeded(TaskExecution execution, PreparedAttempt attempt, Instant startedAt, @Nullable Object value) {
		this.acknowledgements.add(new Acknowledgements.Succeeded(execution, attempt,
				Duration.between(startedAt, Instant.now()), startedAt, value));
	}

	/** The driver answered a succeeded task's acknowledgement: {@code false} when its lease was lost. */
	void acknowledged(Acknowledgements.Succeeded succeeded, boolean acknowledged) {
		Reservation reservation = succeeded.execution().reservation();
		PreparedAttempt attempt = succeeded.attempt();
		Duration duration = succeeded.duration();
		if (!acknowledged) {
			logger.warn("Task {} '{}' completed but its lease was lost (it ran longer than its visibility timeout "
					+ "without renewal); it may run again", reservation.id(), attempt.taskName());
			return;
		}
		this.worker.countProcessed();
		logger.debug("Task {} '{}' completed in {} ms", reservation.id(), attempt.taskName(), duration.toMillis());
		this.worker.publish(new TaskEvent.Completed(reservation.id(), attempt.taskName(), reservation.queue(),
				attempt.context().attempt(), duration, this.worker.workerId(), Instant.now()));
		TaskResults results = this.results;
		if (results != null) {
			results.succeeded(reservation, attempt, succeeded.startedAt(), duration, succeeded.value());
		}
	}

	private void retry(Reservation reservation, PreparedAttempt attempt, Throwable error, Duration duration) {
		RunningTaskContext context = attempt.context();
		Duration delay = RetryPolicy.delayAfter(attempt.options(), context.attempt());
		if (!this.driver.retry(reservation, delay)) {
			logger.warn("Task {} '{}' failed but its lease was lost; not scheduling a retry", reservation.id(),
					attempt.taskName());
			return;
		}
		this.worker.countProcessed();
		this.worker.countFailed();
		logger.warn("Task {} '{}' attempt {}/{} failed ({}); retrying in {} ms", reservation.id(), attempt.taskName(),
				context.attempt(), context.maxAttempts(), error.toString(), delay.toMillis());
		this.worker.publish(new TaskEvent.Retrying(reservation.id(), attempt.taskName(), reservation.queue(),
				context.attempt(), duration, delay, error, Instant.now()));
		TaskResults results = this.results;
		if (results != null) {
			results.failed(reservation, attempt, TaskResult.Outcome.RETRYING, error, duration);
		}
	}

	/**
	 * Dead-letters the task, then fires the failure event and the failure hook, once.
	 * @param duration how long the last attempt ran; {@code null} when none ran here
	 */
	private void failPermanently(Reservation reservation, PreparedAttempt attempt, Throwable error,
			@Nullable Duration duration) {
		if (!deadLetter(reservation, attempt.taskName(), DeadLetter.Failure.of("failed", error))) {
			logger.warn("Task {} '{}' failed but its lease was lost; not dead-lettering it", reservation.id(),
					attempt.taskName());
			return;
		}
		this.worker.countProcessed();
		this.worker.countFailed();
		RunningTaskContext context = attempt.context();
		logger.error("Task {} '{}' failed permanently after {} attempt(s); moved to the dead-letter queue",
				reservation.id(), attempt.taskName(), context.attempt(), error);
		Instant now = Instant.now();
		this.worker.publish(new TaskEvent.Failed(reservation.id(), attempt.taskName(), reservation.queue(),
				context.attempt(), duration, error, now));
		this.worker.publish(new TaskEvent.DeadLettered(reservation.id(), attempt.taskName(), reservation.queue(),
				context.attempt(), "failed", now));
		TaskResults results = this.results;
		if (results != null) {
			results.failed(reservation, attempt, TaskResult.Outcome.DEAD_LETTERED, error, duration);
		}
		try {
			attempt.task().hooks().failed(attempt.args(), error, context);
		}
		catch (RuntimeException ex) {
			logger.error("Task {} '{}': the failure hook threw; ignored", reservation.id(), attempt.taskName(), ex);
		}
	}

	/** Puts a task this worker cannot run back on its queue, its attempt not counted, for a worker that can. */
	private void postpone(Reservation reservation, Preparation.Postponed postponed) {
		try {
			if (this.driver.postpone(reservation, postponed.delay())) {
				this.grace.warnPostponed(reservation.id(), postponed.taskName(), reservation.queue(), postponed.reason(),
						postponed.error().getMessage(), postponed.delay());
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Task {} '{}': putting it back for a worker that can run it failed; it returns when its "
					+ "lease expires", reservation.id(), postponed.taskName(), ex);
		}
	}

	private void deadLetterUnrunnable(Reservation reservation, Preparation.Unrunnable unrunnable) {
		Exception error = unrunnable.error();
		try {
			if (deadLetter(reservation, unrunnable.taskName(), DeadLetter.Failure.of(unrunnable.reason(), error))) {
				logger.error("Task {} cannot run ({}: {}); moved to the dead-letter queue", reservation.id(),
						unrunnable.reason(), error.getMessage());
				this.worker.publish(new TaskEvent.DeadLettered(reservation.id(), unrunnable.taskName(),
						reservation.queue(), reservation.attempt(), unrunnable.reason() + ": " + error.getMessage(),
						Instant.now()));
			}
		}
		catch (RuntimeException ex) {
			logger.error("Task {} cannot run ({}: {}) and could not be dead-lettered; it comes back when its lease "
					+ "expires", reservation.id(), unrunnable.reason(), error.getMessage(), ex);
		}
	}

	/**
	 * Moves the task to its dead-letter queue. When the backend refuses the failure's texts, the failure is
	 * stored without its message and stack trace; when it refuses that too, the error is thrown and the task
	 * stays reserved until its lease expires (its attempts are used up, so it is not run again).
	 * @return whether it was dead-lettered; {@code false} when the lease was lost
	 */
	private boolean deadLetter(Reservation reservation, String taskName, DeadLetter.Failure failure) {
		try {
			return this.driver.deadLetter(reservation, failure);
		}
		catch (RuntimeException refused) {
			logger.warn("Task {} '{}': the dead-letter write failed ({}); storing the failure without its message and "
					+ "stack trace", reservation.id(), taskName, refused.toString());
			try {
				return this.driver.deadLetter(reservation, failure.withoutDetails());
			}
			catch (RuntimeException again) {
				again.addSuppressed(refused);
				throw again;
			}
		}
	}

}
