package io.asynctasq.driver;

import java.time.Instant;

/**
 * A task reserved by one worker under a lease. The lease token fences acknowledgement: once the
 * lease expired and the task was reserved again, operations with this token are refused.
 *
 * @param message the task
 * @param attempt the attempt this reservation runs, 1-based; counts reservations whose lease expired
 * @param leaseToken the fencing token of this reservation
 * @param leaseDeadline when the lease ends unless extended
 */
public record Reservation(TaskMessage message, int attempt, String leaseToken, Instant leaseDeadline) {

	public String id() {
		return this.message.id();
	}

	public String queue() {
		return this.message.queue();
	}

}
