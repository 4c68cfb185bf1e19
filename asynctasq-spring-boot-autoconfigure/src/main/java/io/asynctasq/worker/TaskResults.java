package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what became of each attempt with the driver ({@link QueueDriver#recordResult}) when results are
 * enabled, once the driver accepted the outcome. A failure to record is logged with the task id and never fails
 * nor repeats the task. A worker without results has none of this: no call, no cost.
 */
final class TaskResults {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private final QueueDriver driver;

	private final PayloadCodec codec;

	private final Duration ttl;

	TaskResults(QueueDriver driver, PayloadCodec codec, Duration ttl) {
		if (!driver.storesResults()) {
			throw new IllegalStateException("The " + driver.name() + " driver does not store task results");
		}
		if (ttl.isZero() || ttl.isNegative() || ttl.compareTo(QueueDriver.MAX_DELAY) > 0) {
			throw new IllegalArgumentException("A result's ttl must be positive and at most " + QueueDriver.MAX_DELAY
					+ ", was " + ttl);
		}
		this.driver = driver;
		this.codec = codec;
		this.ttl = ttl;
	}

	/** The attempt returned {@code value} and its task was acknowledged. */
	void succeeded(Reservation reservation, PreparedAttempt attempt, Instant startedAt, Duration duration,
			@Nullable Object value) {
		String json = null;
		if (value != null) {
			try {
				json = this.codec.encodeValue(value);
			}
			catch (RuntimeException ex) {
				logger.warn("Task {} '{}': its return value is not recorded, it cannot be written as JSON: {}",
						reservation.id(), attempt.taskName(), ex.getMessage());
			}
		}
		record(reservation, attempt, TaskResult.Outcome.SUCCEEDED, startedAt, startedAt.plus(duration), json, null);
	}

	/** The attempt failed with {@code error} and the task was scheduled again ({@code RETRYING}) or dead-lettered. */
	void failed(Reservation reservation, PreparedAttempt attempt, TaskResult.Outcome outcome, Throwable error,
			@Nullable Duration duration) {
		Instant finishedAt = Instant.now();
		record(reservation, attempt, outcome, (duration != null) ? finishedAt.minus(duration) : finishedAt,
				finishedAt, null, error);
	}

	private void record(Reservation reservation, PreparedAttempt attempt, TaskResult.Outcome outcome,
			Instant startedAt, Instant finishedAt, @Nullable String valueJson, @Nullable Throwable error) {
		// the error's texts made storable and capped as a dead letter's are
		DeadLetter.Failure failure = (error != null)
				? new DeadLetter.Failure("failed", error.getClass().getName(), error.getMessage(), null) : null;
		try {
			this.driver.recordResult(new TaskResult(reservation.id(), attempt.taskName(), reservation.queue(), outcome,
					attempt.context().attempt(), startedAt, finishedAt, valueJson,
					(failure != null) ? failure.errorClass() : null, (failure != null) ? failure.errorMessage() : null),
					this.ttl);
		}
		catch (RuntimeException ex) {
			logger.warn("Task {} '{}': recording its result ({}) failed; the task is not affected", reservation.id(),
					attempt.taskName(), outcome, ex);
		}
	}

}
