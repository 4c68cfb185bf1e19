package io.asynctasq.driver.redis;

import org.jspecify.annotations.Nullable;

/**
 * What a script answers for a transition on a reserved task, as {@code lib/lease.lua} defines it: done, the
 * lease lost (the task exists but this reservation no longer holds it), or no such task.
 */
enum LeaseReply {

	/** The transition happened. */
	DONE("done"),

	/** The task exists but the reservation no longer holds it: reclaimed, reserved again, or settled. */
	LEASE_LOST("its lease was lost (reclaimed after it expired, reserved again, or already settled)"),

	/** There is no task record: acknowledged, purged, or never stored. */
	NO_SUCH_TASK("no such task (acknowledged, purged, or never stored)");

	/** {@code lib/lease.lua}'s {@code LEASE_LOST}. */
	private static final long LEASE_LOST_CODE = -1;

	/** {@code lib/lease.lua}'s {@code NO_SUCH_TASK}. */
	private static final long NO_SUCH_TASK_CODE = -2;

	final String description;

	LeaseReply(String description) {
		this.description = description;
	}

	/** The reply a script answered: positive is done (extendLease answers the new deadline). */
	static LeaseReply of(@Nullable Long reply) {
		if (reply == null) {
			throw new IllegalStateException("No reply from a Redis lease script");
		}
		if (reply > 0) {
			return DONE;
		}
		if (reply == LEASE_LOST_CODE) {
			return LEASE_LOST;
		}
		if (reply == NO_SUCH_TASK_CODE) {
			return NO_SUCH_TASK;
		}
		throw new IllegalStateException("Unexpected reply from a Redis lease script: " + reply);
	}

}
