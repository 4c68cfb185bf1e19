package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.jspecify.annotations.Nullable;

/**
 * What this process holds of SQS's messages: the leases it handed out, by token, and per queue a buffer of
 * messages it received (or was given back) and has not handed out, hidden from other consumers by their
 * visibility timeout. A released task goes to the front of its buffer, its attempt given back, which SQS
 * itself cannot do. A lease past its deadline is gone: its message may be another consumer's now, so the stale
 * reservation is refused without asking SQS, which may still accept its old receipt handle.
 */
final class SqsLeases {

	/** A lease this close to its deadline is treated as lost: a settlement must reach SQS before it ends. */
	static final Duration SETTLE_MARGIN = Duration.ofMillis(200);

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private final Map<String, Deque<Held>> buffers = new HashMap<>();

	private final Map<String, Held> leases = new HashMap<>();

	private boolean closed;

	/** Counts the changes reservers wait for, so one made before a reserver waits is not missed; guarded by the lock. */
	private long changes;

	/** A received message: buffered, or leased under a token. */
	static final class Held {

		final TaskMessage message;

		final String receiptHandle;

		/** Attempts made before the one its next lease runs. */
		final long attemptsMade;

		/** When SQS handed it to this process: SQS hides one receive for 12 hours at most from then. */
		final Instant receivedAt;

		/** When its visibility ends at the latest, by this process's clock. */
		volatile Instant visibleUntil;

		/** When a delay longer than SQS holds ends (epoch millis), or 0: it is then sent again, not run. */
		final long dueAtMillis;

		/** The attempts stored on the message, for sending it again unrun. */
		final long storedAttempts;

		volatile @Nullable String token;

		volatile boolean capLogged;

		Held(TaskMessage message, String receiptHandle, long attemptsMade, Instant receivedAt, Instant visibleUntil,
				long dueAtMillis, long storedAttempts) {
			this.message = message;
			this.receiptHandle = receiptHandle;
			this.attemptsMade = attemptsMade;
			this.receivedAt = receivedAt;
			this.visibleUntil = visibleUntil;
			this.dueAtMillis = dueAtMillis;
			this.storedAttempts = storedAttempts;
		}

		String queue() {
			return this.message.queue();
		}

	}

	/** Adds received messages at the back of their queue's buffer and wakes reservers. */
	void buffer(List<Held> received) {
		this.lock.lock();
		try {
			for (Held held : received) {
				this.buffers.computeIfAbsent(held.queue(), (queue) -> new ArrayDeque<>()).addLast(held);
			}
			this.changes++;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Puts a message given back unrun at the front of its queue's buffer. */
	void giveBack(Held held) {
		this.lock.lock();
		try {
			held.token = null;
			this.buffers.computeIfAbsent(held.queue(), (queue) -> new ArrayDeque<>()).addFirst(held);
			this.changes++;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Takes up to {@code max} buffered messages of {@code queue}, dropping those whose visibility ended. */
	List<Held> takeBuffered(String queue, int max) {
		this.lock.lock();
		try {
			Deque<Held> buffer = this.buffers.get(queue);
			if (buffer == null || buffer.isEmpty()) {
				return List.of();
			}
			List<Held> taken = new ArrayList<>(Math.min(max, buffer.size()));
			Instant now = Instant.now();
			while (taken.size() < max && !buffer.isEmpty()) {
				Held held = buffer.pollFirst();
				if (held.visibleUntil.isAfter(now.plus(SETTLE_MARGIN))) {
					taken.add(held);
				}
			}
			return taken;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** How many messages of {@code queue} this process holds unleased (visible to SQS as in flight). */
	int buffered(String queue) {
		this.lock.lock();
		try {
			Deque<Held> buffer = this.buffers.get(queue);
			if (buffer == null) {
				return 0;
			}
			Instant now = Instant.now();
			buffer.removeIf((held) -> !held.visibleUntil.isAfter(now));
			return buffer.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Hands {@code held} out under a new lease ending at its visibility's end. */
	Reservation lease(Held held) {
		String token = UUID.randomUUID().toString();
		this.lock.lock();
		try {
			held.token = token;
			this.leases.put(token, held);
		}
		finally {
			this.lock.unlock();
		}
		return Reservation.afterAttempts(held.message, held.attemptsMade, token, held.visibleUntil);
	}

	/** Takes the lease of {@code reservation} to settle it; null when it is not held or its deadline is too near. */
	@Nullable Held take(Reservation reservation) {
		this.lock.lock();
		try {
			Held held = this.leases.remove(reservation.leaseToken());
			if (held == null) {
				return null;
			}
			if (!held.visibleUntil.isAfter(Instant.now().plus(SETTLE_MARGIN))) {
				held.token = null;
				return null;
			}
			return held;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The lease of {@code reservation} while it is held and not near its deadline, left in place; else null. */
	@Nullable Held held(Reservation reservation) {
		this.lock.lock();
		try {
			Held held = this.leases.get(reservation.leaseToken());
			if (held != null && !held.visibleUntil.isAfter(Instant.now().plus(SETTLE_MARGIN))) {
				this.leases.remove(reservation.leaseToken());
				return null;
			}
			return held;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Puts back a lease taken for a settlement that failed, so the caller may try again. */
	void restore(Reservation reservation, Held held) {
		this.lock.lock();
		try {
			if (!this.closed) {
				this.leases.put(reservation.leaseToken(), held);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Forgets a lease SQS no longer honours. */
	void drop(Reservation reservation) {
		this.lock.lock();
		try {
			this.leases.remove(reservation.leaseToken());
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The number of changes so far: what {@link #awaitChange} compares with. */
	long changes() {
		this.lock.lock();
		try {
			return this.changes;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits until a buffer changed (or the driver closed) since {@link #changes()} answered {@code seen}, at
	 * most {@code nanos}; returns at once when it already did.
	 */
	void awaitChange(long seen, long nanos) throws InterruptedException {
		this.lock.lockInterruptibly();
		try {
			long remaining = nanos;
			while (!this.closed && this.changes == seen && remaining > 0) {
				remaining = this.changed.awaitNanos(remaining);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Wakes the reservers (a poll ended without messages, or failed). */
	void signal() {
		this.lock.lock();
		try {
			this.changes++;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isClosed() {
		this.lock.lock();
		try {
			return this.closed;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Closes: wakes the reservers, forgets the leases and returns the buffered messages, to be given back to SQS. */
	List<Held> close() {
		this.lock.lock();
		try {
			this.closed = true;
			this.leases.clear();
			List<Held> buffered = new ArrayList<>();
			Instant now = Instant.now();
			for (Deque<Held> buffer : this.buffers.values()) {
				for (Iterator<Held> it = buffer.iterator(); it.hasNext();) {
					Held held = it.next();
					if (held.visibleUntil.isAfter(now)) {
						buffered.add(held);
					}
				}
			}
			this.buffers.clear();
			this.changes++;
			this.changed.signalAll();
			return buffered;
		}
		finally {
			this.lock.unlock();
		}
	}

	static long nanosUntil(Instant deadline) {
		return TimeUnit.MILLISECONDS.toNanos(Duration.between(Instant.now(), deadline).toMillis());
	}

}
