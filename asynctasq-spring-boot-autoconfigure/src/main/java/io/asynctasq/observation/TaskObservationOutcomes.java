package io.asynctasq.observation;

/** The values of the {@code outcome} key of AsyncTasQ's observations. */
public final class TaskObservationOutcomes {

	/** A dispatch: the driver accepted the task. */
	public static final String ENQUEUED = "enqueued";

	/** A dispatch: the driver did not accept the task (or it could not be encoded). */
	public static final String FAILED = "failed";

	/** A dispatch deferred to the caller's transaction, which rolled back: the task was never sent. */
	public static final String DROPPED = "dropped";

	/** An asynchronous or reactive dispatch cancelled before its driver call started: the task was never sent. */
	public static final String CANCELLED = "cancelled";

	/** An execution: the task returned (or its future completed) normally. */
	public static final String SUCCESS = "success";

	/** An execution: the task threw (or its future failed); it is retried or dead-lettered. */
	public static final String FAILURE = "failure";

	/** An execution: the task exceeded its timeout. */
	public static final String TIMEOUT = "timeout";

	/** An execution: shutdown took the task back to its queue before it ended. */
	public static final String RELEASED = "released";

	private TaskObservationOutcomes() {
	}

}
