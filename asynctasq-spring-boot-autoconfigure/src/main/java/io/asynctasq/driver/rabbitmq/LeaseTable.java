package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.Reservation;
import org.jspecify.annotations.Nullable;

/**
 * The reservations this process holds: buffered deliveries handed out as leases, with a token
 * {@code <consumer-generation>:<delivery-tag>:<n>} and a deadline; a lease not extended in time goes back to
 * the front of its consumer's buffer, its attempt counted. A lease of a lost consumer is fenced: it is gone.
 */
final class LeaseTable {

	private final QueueConsumers consumers;

	/** The leases by token; guarded by {@link QueueConsumers#lock}, like the buffers they come from. */
	private final Map<String, Lease> leases = new HashMap<>();

	private final AtomicLong sequence = new AtomicLong();

	LeaseTable(QueueConsumers consumers) {
		this.consumers = consumers;
	}

	/**
	 * Reserves up to {@code max} tasks from the buffers of {@code served} in strict priority order, waiting up
	 * to {@code wait} for deliveries when there are none. A buffer that falls short is synchronised first
	 * (see {@link QueueConsumer#synchronise}), except the last queue's when the call may wait: what is on its
	 * way arrives as deliveries and wakes it.
	 */
	List<Reservation> reserve(List<QueueConsumer> served, int max, Duration lease, Duration wait)
			throws InterruptedException {
		long deadline = System.nanoTime() + wait.toNanos();
		List<Reservation> reserved = new ArrayList<>(Math.min(max, 64));
		boolean waits = wait.toNanos() > 0;
		try {
			for (int i = 0; i < served.size(); i++) {
				QueueConsumer consumer = served.get(i);
				take(consumer, reserved, max, lease);
				// synchronising costs round trips on the consumer's channel: only when a lower queue would
				// be served next or the call would return short without waiting
				boolean last = i == served.size() - 1;
				if (reserved.size() < max && (!last || !waits)) {
					consumer.synchronise();
					take(consumer, reserved, max, lease);
				}
			}
		}
		catch (DriverException ex) {
			if (!reserved.isEmpty()) {
				// a later queue failed: hand out what was reserved, the failure shows on the next call
				return reserved;
			}
			throw ex;
		}
		catch (InterruptedException ex) {
			reserved.forEach(this::release);
			throw ex;
		}
		if (!reserved.isEmpty()) {
			return reserved;
		}
		this.consumers.lock.lockInterruptibly();
		try {
			while (true) {
				this.consumers.ensureOpen();
				for (QueueConsumer consumer : served) {
					takeLocked(consumer, reserved, max, lease);
				}
				long remaining = deadline - System.nanoTime();
				if (!reserved.isEmpty() || remaining <= 0) {
					return reserved;
				}
				Instant nextExpiry = nextExpiry();
				if (nextExpiry != null) {
					remaining = Math.min(remaining, Math.max(1, Duration.between(Instant.now(), nextExpiry).toNanos()));
				}
				this.consumers.changed.awaitNanos(remaining);
			}
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	/** Puts a reserved task back at the front of its buffer, its attempt not counted; {@code false} when fenced. */
	boolean release(Reservation reservation) {
		this.consumers.lock.lock();
		try {
			Lease lease = this.leases.remove(reservation.leaseToken());
			if (lease == null || lease.delivered.consumer.lost) {
				return false;
			}
			// attemptsMade still counts the attempts before this reservation
			lease.delivered.consumer.buffer.addFirst(lease.delivered);
			this.consumers.changed.signalAll();
			return true;
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	/** Moves the deadline of a lease; {@code false} when fenced or its consumer's channel is closed. */
	boolean extend(Reservation reservation, Duration lease) {
		this.consumers.lock.lock();
		try {
			Lease held = this.leases.get(reservation.leaseToken());
			if (held == null || !held.delivered.consumer.usable()) {
				return false;
			}
			held.deadline = Instant.now().plus(lease);
			return true;
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	/** Takes a lease out of the table to settle it, or {@code null} when fenced. */
	@Nullable Lease remove(Reservation reservation) {
		this.consumers.lock.lock();
		try {
			Lease lease = this.leases.remove(reservation.leaseToken());
			return (lease == null || lease.delivered.consumer.lost) ? null : lease;
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	/** Puts back a lease taken out by {@link #remove} that could not be settled: it still holds its delivery. */
	void restore(Lease lease) {
		this.consumers.lock.lock();
		try {
			this.leases.put(lease.reservation.leaseToken(), lease);
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	/** What this process holds of {@code queue}, expired leases taken back first; {@code consumer} is its live one. */
	Local local(String queue, @Nullable QueueConsumer consumer) {
		this.consumers.lock.lock();
		try {
			reclaimExpired(Instant.now());
			long buffered = (consumer != null && !consumer.lost) ? consumer.buffer.size() : 0;
			long held = this.leases.values().stream().filter((lease) -> lease.delivered.message.queue().equals(queue))
				.count();
			return new Local(buffered, held);
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	/** Forgets every lease (the driver closed). */
	void clear() {
		this.consumers.lock.lock();
		try {
			this.leases.clear();
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	private void take(QueueConsumer consumer, List<Reservation> reserved, int max, Duration lease)
			throws InterruptedException {
		this.consumers.lock.lockInterruptibly();
		try {
			this.consumers.ensureOpen();
			takeLocked(consumer, reserved, max, lease);
		}
		finally {
			this.consumers.lock.unlock();
		}
	}

	private void takeLocked(QueueConsumer consumer, List<Reservation> reserved, int max, Duration lease) {
		Instant now = Instant.now();
		reclaimExpired(now);
		while (reserved.size() < max && !consumer.lost && !consumer.buffer.isEmpty()) {
			Delivered delivered = consumer.buffer.pollFirst();
			String token = consumer.generation + ":" + delivered.deliveryTag + ":" + this.sequence.incrementAndGet();
			Reservation reservation = Reservation.afterAttempts(delivered.message, delivered.attemptsMade, token,
					now.plus(lease));
			this.leases.put(token, new Lease(delivered, reservation));
			reserved.add(reservation);
		}
	}

	/**
	 * Drops the leases of lost consumers and puts those that ran out back at the front of their buffer,
	 * their attempt counted.
	 */
	private void reclaimExpired(Instant now) {
		for (Iterator<Lease> it = this.leases.values().iterator(); it.hasNext();) {
			Lease lease = it.next();
			QueueConsumer consumer = lease.delivered.consumer;
			if (consumer.lost) {
				it.remove();
			}
			else if (!lease.deadline.isAfter(now)) {
				it.remove();
				lease.delivered.attemptsMade = lease.attemptsCounted();
				consumer.buffer.addFirst(lease.delivered);
			}
		}
	}

	private @Nullable Instant nextExpiry() {
		Instant next = null;
		for (Lease lease : this.leases.values()) {
			if (!lease.delivered.consumer.lost && (next == null || lease.deadline.isBefore(next))) {
				next = lease.deadline;
			}
		}
		return next;
	}

	/** A reserved delivery and its reservation. */
	static final class Lease {

		final Delivered delivered;

		final Reservation reservation;

		/** Guarded by {@link QueueConsumers#lock}. */
		private Instant deadline;

		Lease(Delivered delivered, Reservation reservation) {
			this.delivered = delivered;
			this.reservation = reservation;
			this.deadline = reservation.leaseDeadline();
		}

		/**
		 * The attempts made once this reservation's attempt counts, for a lease that ended or a dead letter:
		 * its attempt, or for a corrupt counter the stored value unchanged, so it stays corrupt and no
		 * arithmetic on it can overflow.
		 */
		long attemptsCounted() {
			return this.reservation.isCorrupt() ? this.delivered.attemptsMade : this.reservation.attempt();
		}

	}

	/** Deliveries of one queue buffered and reserved in this process. */
	record Local(long buffered, long held) {
	}

}
