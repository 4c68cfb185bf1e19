package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges succeeded tasks in batches, without a thread of its own (a group commit): a task thread that
 * finds no acknowledgement under way acknowledges every task queued so far in one driver call, while the
 * threads finishing meanwhile queue theirs and go on to their next task. An idle worker's task is acknowledged
 * at once; a busy worker's ride together, one backend call for many tasks. A task keeps its lease until it
 * is acknowledged; its run slot and its reservation permit go back as soon as its attempt succeeded, so a
 * round trip in flight never keeps the worker from running and reserving more.
 */
final class Acknowledgements {

	/** The most tasks acknowledged in one driver call. */
	static final int MAX_BATCH = 256;

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private final QueueDriver driver;

	private final OutcomeRecorder recorder;

	private final ConcurrentLinkedQueue<Succeeded> queued = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean flushing = new AtomicBoolean();

	/** A task whose attempt succeeded (it started at {@code startedAt}), waiting for its acknowledgement. */
	record Succeeded(TaskExecution execution, PreparedAttempt attempt, Duration duration, Instant startedAt,
			@Nullable Object value) {
	}

	Acknowledgements(QueueDriver driver, OutcomeRecorder recorder) {
		this.driver = driver;
		this.recorder = recorder;
	}

	/** Queues the task's acknowledgement, and sends the queued ones unless another thread is sending. */
	void add(Succeeded succeeded) {
		this.queued.add(succeeded);
		// whoever ends a flush looks again, so a task queued while it ran is never left behind
		while (!this.queued.isEmpty() && this.flushing.compareAndSet(false, true)) {
			try {
				flush();
			}
			finally {
				this.flushing.set(false);
			}
		}
	}

	private void flush() {
		List<Succeeded> batch = new ArrayList<>(Math.min(MAX_BATCH, 16));
		Succeeded next;
		while (batch.size() < MAX_BATCH && (next = this.queued.poll()) != null) {
			batch.add(next);
		}
		if (batch.isEmpty()) {
			return;
		}
		List<Reservation> reservations = new ArrayList<>(batch.size());
		for (Succeeded succeeded : batch) {
			reservations.add(succeeded.execution().reservation());
		}
		boolean[] acknowledged = null;
		try {
			// one alone takes the driver's single path, which some drivers make cheaper (no batch statement)
			acknowledged = (reservations.size() == 1) ? new boolean[] { this.driver.acknowledge(reservations.get(0)) }
					: this.driver.acknowledgeAll(reservations);
		}
		catch (RuntimeException ex) {
			logger.error("Tasks {}: the driver failed to acknowledge them; they come back when their leases expire "
					+ "and run again", ids(reservations), ex);
		}
		for (int i = 0; i < batch.size(); i++) {
			Succeeded succeeded = batch.get(i);
			try {
				if (acknowledged != null) {
					this.recorder.acknowledged(succeeded, acknowledged[i]);
				}
			}
			finally {
				succeeded.execution().end();
			}
		}
	}

	private static List<String> ids(List<Reservation> reservations) {
		return reservations.stream().map(Reservation::id).toList();
	}

}
