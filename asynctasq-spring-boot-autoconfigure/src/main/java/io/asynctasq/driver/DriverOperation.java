package io.asynctasq.driver;

import java.util.Locale;

/** The operations of {@link QueueDriver}, as {@link DriverFacade} reports them to a {@link DriverCallListener}. */
public enum DriverOperation {

	ENQUEUE, ENQUEUE_ALL, RESERVE, ACKNOWLEDGE, ACKNOWLEDGE_ALL, RETRY, RELEASE, POSTPONE, DEAD_LETTER, EXTEND_LEASE,
	EXTEND_LEASES, COUNTS, DEAD_LETTERS, RETRY_DEAD_LETTER, DELETE_DEAD_LETTER, PURGE_DEAD_LETTERS, EXPIRE_DEAD_LETTERS, FIND, RECORD_RESULT, RESULT, BEAT, REMOVE_WORKER,
	WORKERS, PING;

	private final String tagValue = name().toLowerCase(Locale.ROOT);

	/** The name in lower snake case ({@code acknowledge_all}), as metrics tag it. */
	public String tagValue() {
		return this.tagValue;
	}

}
