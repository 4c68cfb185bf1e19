package io.asynctasq.driver;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The one interface a storage backend implements. Every state change is atomic: a task is always in
 * exactly one of ready, delayed, in flight or dead-lettered. Implementations are thread-safe and pass
 * the driver TCK ({@code io.asynctasq.driver.tck.QueueDriverContractTests}).
 * <p>
 * Attempts are counted by the driver: {@link #reserve} starts an attempt, so a task whose lease expired
 * (its worker died) comes back with its attempt counted; {@link #release} and {@link #postpone} give the
 * attempt back. A counter read from storage is never trusted: {@link Reservation#afterAttempts} marks one out
 * of range as corrupt, and a reserve that meets a malformed record hands it out (or dead-letters it) on its
 * own, never failing the other tasks of the call.
 * Operations on a reservation check its lease token and return {@code false} when the lease was lost.
 * <p>
 * Callers reach a driver through {@link DriverFacade}, which holds the rules every driver would otherwise
 * repeat: after {@link #close()} every operation throws {@link IllegalStateException}; a delay is zero or
 * positive and at most {@link #MAX_DELAY}, a lease positive and at most that too, a wait zero or positive;
 * {@code reserve} asks for at least one task from at least one valid queue; paging starts at an offset of zero
 * or more; anything else is an {@link IllegalArgumentException} before the driver is called. A driver may
 * therefore take its arguments as valid. What a backend fails with reaches the caller as a
 * {@link DriverException}.
 */
public interface QueueDriver extends AutoCloseable {

	/** Short name shown in health details and logs: "memory", "redis", ... */
	String name();

	/**
	 * Whether an {@link #enqueue} made now, on this thread, takes part in the transaction active on this thread
	 * (the JDBC driver, when a Spring transaction runs on its DataSource): a dispatch inside such a transaction
	 * is then written by it and commits or rolls back with it, instead of being deferred to after the commit.
	 * Default {@code false}.
	 */
	default boolean joinsCurrentTransaction() {
		return false;
	}

	/**
	 * Whether a call may wait on a backend outside this JVM, so callers that promise an answer within a time
	 * (dispatch, health) bound how long they wait for it. {@code false} only for a driver whose calls never
	 * wait on I/O. Default {@code true}.
	 */
	default boolean waitsOnRemoteBackend() {
		return true;
	}

	/** The longest delay a driver is asked for (and the longest lease). */
	Duration MAX_DELAY = Duration.ofDays(365);

	/**
	 * Stores a task, visible after {@code delay} (zero: now). Returns once the task is durably accepted.
	 * The default stores it through {@link #enqueueAll}.
	 * @throws DriverException when the backend cannot accept it
	 */
	default void enqueue(TaskMessage message, Duration delay) {
		enqueueAll(List.of(message), delay);
	}

	/**
	 * Stores several tasks, each visible after {@code delay}; returns once every one is durably accepted.
	 * @throws DriverException when the backend cannot accept them (none, or a whole number of the calls it
	 * makes, may then be stored: each driver says which)
	 */
	void enqueueAll(List<TaskMessage> messages, Duration delay);

	/**
	 * Stores tasks as {@link #enqueueAll} does, without a thread waiting for the backend's answer: the future
	 * completes once every one is durably accepted (a Lettuce reply, a publisher confirm, an SQS response),
	 * usually on the client's own I/O thread, and fails as {@code enqueueAll} throws. The calling thread does
	 * only brief work (encoding, handing the commands to the client), never the round trip. The default, for
	 * a driver whose client has no asynchronous call (JDBC), runs {@link #enqueue} (one message) or
	 * {@code enqueueAll} on the calling thread.
	 */
	default CompletableFuture<Void> enqueueAllAsync(List<TaskMessage> messages, Duration delay) {
		try {
			if (messages.size() == 1) {
				enqueue(messages.get(0), delay);
			}
			else {
				enqueueAll(messages, delay);
			}
			return CompletableFuture.completedFuture(null);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/**
	 * Reserves up to {@code max} ready tasks, serving {@code queues} in strict priority order (all ready
	 * tasks of the first queue before any of the second). Due delayed tasks and tasks whose lease
	 * expired become ready first. Waits up to {@code wait} for a task when none is ready, without busy
	 * polling; returns an empty list when none arrived.
	 * @throws InterruptedException when the waiting thread is interrupted
	 */
	List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait) throws InterruptedException;

	/** Completes the task: it is removed. {@code false} when the lease was lost. */
	boolean acknowledge(Reservation reservation);

	/**
	 * Completes several tasks, in as few backend calls as the backend allows; element {@code i} of the answer
	 * is what {@link #acknowledge} answers for reservation {@code i} ({@code false}: its lease was lost, and
	 * it was left alone). The worker acknowledges the tasks that finished while its previous call was under
	 * way this way. The default acknowledges them one by one.
	 */
	default boolean[] acknowledgeAll(List<Reservation> reservations) {
		boolean[] acknowledged = new boolean[reservations.size()];
		for (int i = 0; i < acknowledged.length; i++) {
			acknowledged[i] = acknowledge(reservations.get(i));
		}
		return acknowledged;
	}

	/**
	 * Schedules the next attempt after {@code delay}, in one atomic step (the failed attempt stays
	 * counted). {@code false} when the lease was lost.
	 */
	boolean retry(Reservation reservation, Duration delay);

	/**
	 * Returns a reserved task to the front of its queue without counting the attempt (shutdown, a task
	 * never started). {@code false} when the lease was lost.
	 */
	boolean release(Reservation reservation);

	/**
	 * Returns a reserved task to its queue, visible again after {@code delay}, without counting the attempt:
	 * the task never started because this worker cannot run it yet (a task name or parameters it does not
	 * know during a rolling deploy). {@code false} when the lease was lost.
	 */
	boolean postpone(Reservation reservation, Duration delay);

	/**
	 * Moves the task to its queue's dead-letter queue with why. A dead letter with the same task id already in
	 * that queue does not make this fail. {@code false} when the lease was lost.
	 */
	boolean deadLetter(Reservation reservation, DeadLetter.Failure failure);

	/** Extends the lease to now + {@code lease}. {@code false} when the lease was lost. */
	boolean extendLease(Reservation reservation, Duration lease);

	/**
	 * Extends several leases to now + {@code lease}, in as few backend calls as the backend allows; element
	 * {@code i} of the answer is what {@link #extendLease} answers for reservation {@code i}. The worker renews
	 * the leases that are due at once this way. The default extends them one by one.
	 */
	default boolean[] extendLeases(List<Reservation> reservations, Duration lease) {
		boolean[] extended = new boolean[reservations.size()];
		for (int i = 0; i < extended.length; i++) {
			extended[i] = extendLease(reservations.get(i), lease);
		}
		return extended;
	}

	/** Counts of one queue. */
	QueueCounts counts(String queue);

	/** Dead letters of one queue, oldest first. */
	List<DeadLetter> deadLetters(String queue, int offset, int limit);

	/**
	 * Moves a dead letter back to its queue, ready now, with its attempts reset.
	 * {@code false} when no such dead letter exists.
	 */
	boolean retryDeadLetter(String queue, String taskId);

	/**
	 * Deletes one dead letter for good. {@code false} when no such dead letter exists. Drivers written before
	 * this operation existed do not support it: the default throws {@link UnsupportedOperationException}.
	 */
	default boolean deleteDeadLetter(String queue, String taskId) {
		throw new UnsupportedOperationException("The " + name() + " driver cannot delete one dead letter");
	}

	/** Deletes every dead letter of one queue; returns how many. */
	long purgeDeadLetters(String queue);

	/**
	 * Deletes up to {@code max} dead letters of one queue that were dead-lettered at least {@code retention} ago
	 * (on the backend's clock where it has one), oldest first; returns how many. The younger ones and every other
	 * state of the queue are left alone. Each call is bounded: a caller with more to delete calls again. Called
	 * now and then by the worker's {@code DeadLetterPruner} when {@code asynctasq.dead-letter.retention} is set.
	 * A driver whose backend expires dead letters on its own answers {@link #expiresDeadLettersItself()}
	 * {@code true} and may answer 0 here. The default throws {@link UnsupportedOperationException}.
	 */
	default long expireDeadLetters(String queue, Duration retention, int max) {
		throw new UnsupportedOperationException("The " + name() + " driver cannot expire dead letters");
	}

	/**
	 * Whether the backend expires dead letters on its own, after the retention the driver was built with (the
	 * RabbitMQ driver: a per-message expiration on each dead letter), so no one need call
	 * {@link #expireDeadLetters}. Default {@code false}.
	 */
	default boolean expiresDeadLettersItself() {
		return false;
	}

	/**
	 * Finds a task of {@code queue} by id wherever the backend holds it: ready, delayed, in flight or
	 * dead-lettered. Empty when the queue holds no such task (it completed, or never existed, or is in
	 * another queue). As {@link #counts} sees them, a task whose lease expired and a delayed task now due are
	 * ready; an in-flight task is due at its lease deadline, its running attempt counted. A driver whose
	 * backend cannot look a message up by id answers {@link #canFind()} {@code false}; the default throws
	 * {@link UnsupportedOperationException}.
	 */
	default Optional<StoredTask> find(String queue, String taskId) {
		throw new UnsupportedOperationException("The " + name() + " driver cannot find a task by id");
	}

	/** Whether {@link #find} is supported. Default {@code false}. */
	default boolean canFind() {
		return false;
	}

	/**
	 * Records what became of a task's latest attempt, replacing an earlier record of that task, kept for
	 * {@code ttl} (positive, at most {@link #MAX_DELAY}) and then forgotten. Every instance sharing the backend
	 * reads it; drivers that store text store {@link TaskResultJson}. The default throws
	 * {@link UnsupportedOperationException}: a driver that stores results answers {@link #storesResults()}
	 * {@code true}.
	 */
	default void recordResult(TaskResult result, Duration ttl) {
		throw new UnsupportedOperationException("The " + name() + " driver does not store task results");
	}

	/** The latest record of a task made by {@link #recordResult}, if it has not expired. */
	default Optional<TaskResult> result(String taskId) {
		throw new UnsupportedOperationException("The " + name() + " driver does not store task results");
	}

	/** Whether {@link #recordResult} and {@link #result} are supported. Default {@code false}. */
	default boolean storesResults() {
		return false;
	}

	/**
	 * Records (or replaces) a worker's heartbeat; it expires when {@code ttl} passes without another (on the
	 * backend's clock where it has one). A driver storing heartbeats as text writes them as {@link HeartbeatJson}.
	 * The default throws {@link UnsupportedOperationException}.
	 */
	default void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		throw new UnsupportedOperationException("The " + name() + " driver does not record worker heartbeats");
	}

	/** Removes a worker's heartbeat at once (it stopped). Nothing happens when there is none. */
	default void removeWorker(String workerId) {
		throw new UnsupportedOperationException("The " + name() + " driver does not record worker heartbeats");
	}

	/**
	 * The workers of the cluster whose heartbeat has not expired, ordered by worker id ({@link String} order), as
	 * every instance sharing the backend sees them. A stored heartbeat that cannot be read is left out with a
	 * warning, never failing the listing.
	 */
	default List<WorkerHeartbeat> workers() {
		throw new UnsupportedOperationException("The " + name() + " driver does not record worker heartbeats");
	}

	/**
	 * Checks the backend answers.
	 * @throws DriverException (or another exception) describing why it does not
	 */
	void ping();

	/** Releases connections and threads the driver owns. Idempotent. */
	@Override
	void close();

}
