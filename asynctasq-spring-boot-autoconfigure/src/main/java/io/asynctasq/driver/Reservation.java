package io.asynctasq.driver;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A task reserved by one worker under a lease. The lease token fences acknowledgement: once the
 * lease expired and the task was reserved again, operations with this token are refused.
 *
 * @param message the task
 * @param attempt the attempt this reservation runs, 1 to {@link #MAX_ATTEMPT}; counts reservations whose
 * lease expired
 * @param leaseToken the fencing token of this reservation
 * @param leaseDeadline when the lease ends unless extended
 * @param defect why the stored task is corrupt (its attempt counter out of range, a field missing), or
 * {@code null}: a corrupt task is dead-lettered with this reason, never run
 */
public record Reservation(TaskMessage message, int attempt, String leaseToken, Instant leaseDeadline, @Nullable String defect) {

	/**
	 * The highest attempt a driver hands out. A counter read from storage that would make an attempt outside
	 * 1 to this bound was not written by AsyncTasQ: the reservation is then marked {@linkplain #defect() corrupt}
	 * instead of running a task for ever or overflowing.
	 */
	public static final int MAX_ATTEMPT = 1_000_000;

	/** A sound reservation. */
	public Reservation(TaskMessage message, int attempt, String leaseToken, Instant leaseDeadline) {
		this(message, attempt, leaseToken, leaseDeadline, null);
	}

	/**
	 * The reservation of a task whose stored counter says {@code attemptsMade} attempts were made before this
	 * one; marked corrupt when that counter is out of range, so drivers never trust a counter from storage.
	 */
	public static Reservation afterAttempts(TaskMessage message, long attemptsMade, String leaseToken,
			Instant leaseDeadline) {
		if (attemptsMade < 0 || attemptsMade >= MAX_ATTEMPT) {
			return new Reservation(message, (attemptsMade < 0) ? 1 : MAX_ATTEMPT, leaseToken, leaseDeadline,
					"corrupt attempt counter: " + attemptsMade + " attempts made (expected 0 to " + (MAX_ATTEMPT - 1)
							+ ")");
		}
		return new Reservation(message, (int) attemptsMade + 1, leaseToken, leaseDeadline, null);
	}

	public String id() {
		return this.message.id();
	}

	public String queue() {
		return this.message.queue();
	}

	/** Whether the stored task is corrupt and must be dead-lettered unrun. */
	public boolean isCorrupt() {
		return this.defect != null;
	}

}
