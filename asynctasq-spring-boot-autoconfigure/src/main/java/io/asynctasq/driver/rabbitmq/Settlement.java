package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.Reservation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles reservations: acknowledge acks the delivery (a batch mostly in one multiple ack); retry, postpone
 * and dead-letter publish the task's next state with a confirm, then ack (a crash between the two can
 * duplicate a task, never lose it); release gives the task back to its buffer without touching the broker. A
 * fenced reservation settles nothing.
 */
final class Settlement {

	private static final Logger logger = LoggerFactory.getLogger(Settlement.class);

	private final LeaseTable leases;

	private final TaskHeaders headers;

	private final ConfirmPublisher publisher;

	Settlement(LeaseTable leases, TaskHeaders headers, ConfirmPublisher publisher) {
		this.leases = leases;
		this.headers = headers;
		this.publisher = publisher;
	}

	boolean acknowledge(Reservation reservation) {
		LeaseTable.Lease lease = this.leases.remove(reservation);
		return lease != null && acknowledge(lease);
	}

	/**
	 * Acknowledges the reservations that hold their task, per consumer in one call (mostly one multiple ack,
	 * see {@link QueueConsumer#acknowledge}); element {@code i} answers for reservation {@code i}.
	 */
	boolean[] acknowledgeAll(List<Reservation> reservations) {
		boolean[] acknowledged = new boolean[reservations.size()];
		Map<QueueConsumer, List<long[]>> byConsumer = new LinkedHashMap<>();
		for (int i = 0; i < reservations.size(); i++) {
			LeaseTable.Lease lease = this.leases.remove(reservations.get(i));
			if (lease != null) {
				byConsumer.computeIfAbsent(lease.delivered.consumer, (consumer) -> new ArrayList<>())
					.add(new long[] { lease.delivered.deliveryTag, i });
			}
		}
		byConsumer.forEach((consumer, held) -> {
			held.sort(Comparator.comparingLong((tagAndIndex) -> tagAndIndex[0]));
			long[] tags = new long[held.size()];
			for (int k = 0; k < tags.length; k++) {
				tags[k] = held.get(k)[0];
			}
			boolean done = consumer.acknowledge(tags);
			for (long[] tagAndIndex : held) {
				acknowledged[(int) tagAndIndex[1]] = done;
			}
		});
		return acknowledged;
	}

	boolean retry(Reservation reservation, Duration delay) {
		LeaseTable.Lease lease = this.leases.remove(reservation);
		if (lease == null) {
			return false;
		}
		// the attempt ran, so it counts even after a corrupt counter: the attempts stay bounded
		requeue(lease, reservation.attempt(), delay);
		return true;
	}

	boolean release(Reservation reservation) {
		return this.leases.release(reservation);
	}

	boolean postpone(Reservation reservation, Duration delay) {
		LeaseTable.Lease lease = this.leases.remove(reservation);
		if (lease == null) {
			return false;
		}
		requeue(lease, lease.delivered.attemptsMade, delay);
		return true;
	}

	boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		LeaseTable.Lease lease = this.leases.remove(reservation);
		if (lease == null) {
			return false;
		}
		republishThenAcknowledge(lease,
				this.headers.deadLetter(lease.delivered.message, lease.attemptsCounted(), failure));
		return true;
	}

	/** Republishes a task with {@code attemptsMade}, to its work queue or the delay levels, then acks it. */
	private void requeue(LeaseTable.Lease lease, long attemptsMade, Duration delay) {
		republishThenAcknowledge(lease,
				this.headers.task(lease.delivered.message, attemptsMade, delay, System.currentTimeMillis()));
	}

	private void republishThenAcknowledge(LeaseTable.Lease lease, Outgoing next) {
		try {
			this.publisher.publish(List.of(next));
		}
		catch (RuntimeException ex) {
			// nothing changed: the reservation still holds the delivery
			this.leases.restore(lease);
			throw ex;
		}
		if (!acknowledge(lease)) {
			logger.warn("Task {}: its next state was stored but the delivery could not be acknowledged (channel "
					+ "lost); RabbitMQ will redeliver it, so it may run once more", lease.delivered.message.id());
		}
	}

	private static boolean acknowledge(LeaseTable.Lease lease) {
		return lease.delivered.consumer.acknowledge(lease.delivered.deliveryTag);
	}

}
