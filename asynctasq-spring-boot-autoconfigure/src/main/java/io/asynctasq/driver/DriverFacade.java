package io.asynctasq.driver;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way into a driver: the dispatcher, the worker, health and inspection call a driver through it. It
 * holds what every driver would otherwise repeat (the closed check, the argument rules and the one delay rule
 * of {@link QueueDriver}'s Javadoc, and the translation of whatever a backend's client throws into a
 * {@link DriverException}), so a driver keeps only what is its own, and it is the one place where every
 * driver operation can be measured or traced.
 */
public final class DriverFacade implements QueueDriver {

	private static final Logger logger = LoggerFactory.getLogger(DriverFacade.class);

	private final QueueDriver driver;

	private volatile boolean closed;

	private volatile DriverCallListener calls = DriverCallListener.NONE;

	private DriverFacade(QueueDriver driver) {
		this.driver = Objects.requireNonNull(driver, "driver");
	}

	/** The one facade of each driver, so whoever asks for it (dispatcher, worker, health) shares its closed state. */
	private static final Map<QueueDriver, DriverFacade> facades = Collections.synchronizedMap(new WeakHashMap<>());

	/** The facade of {@code driver}, the same one for every caller; a facade is returned as it is. */
	public static DriverFacade of(QueueDriver driver) {
		if (driver instanceof DriverFacade facade) {
			return facade;
		}
		return facades.computeIfAbsent(driver, DriverFacade::new);
	}

	/** Tells {@code listener} of every call to the driver from now on, replacing the previous listener. */
	public void listenToCalls(DriverCallListener listener) {
		this.calls = Objects.requireNonNull(listener, "listener");
	}

	/** The driver behind this facade. */
	public QueueDriver driver() {
		return this.driver;
	}

	@Override
	public String name() {
		return this.driver.name();
	}

	@Override
	public boolean joinsCurrentTransaction() {
		return this.driver.joinsCurrentTransaction();
	}

	@Override
	public boolean waitsOnRemoteBackend() {
		return this.driver.waitsOnRemoteBackend();
	}

	@Override
	public void enqueue(TaskMessage message, Duration delay) {
		ensureOpen();
		Objects.requireNonNull(message, "message");
		checkDelay(delay);
		translate(DriverOperation.ENQUEUE, "enqueue task " + message.id(), () -> {
			this.driver.enqueue(message, delay);
			return null;
		});
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		ensureOpen();
		Objects.requireNonNull(messages, "messages");
		checkDelay(delay);
		if (messages.isEmpty()) {
			return;
		}
		for (TaskMessage message : messages) {
			Objects.requireNonNull(message, "a message of messages");
		}
		translate(DriverOperation.ENQUEUE_ALL, "enqueue " + messages.size() + " tasks", () -> {
			this.driver.enqueueAll(messages, delay);
			return null;
		});
	}

	/**
	 * Stores {@code messages} without waiting for the backend ({@link QueueDriver#enqueueAllAsync}); what the
	 * driver fails with reaches the future as {@link #enqueueAll} would throw it, and the call is measured when
	 * the backend answered.
	 */
	@Override
	public CompletableFuture<Void> enqueueAllAsync(List<TaskMessage> messages, Duration delay) {
		ensureOpen();
		Objects.requireNonNull(messages, "messages");
		checkDelay(delay);
		if (messages.isEmpty()) {
			return CompletableFuture.completedFuture(null);
		}
		for (TaskMessage message : messages) {
			Objects.requireNonNull(message, "a message of messages");
		}
		DriverOperation operation = (messages.size() == 1) ? DriverOperation.ENQUEUE : DriverOperation.ENQUEUE_ALL;
		long start = System.nanoTime();
		CompletableFuture<Void> sent;
		try {
			sent = this.driver.enqueueAllAsync(messages, delay);
		}
		catch (RuntimeException ex) {
			sent = CompletableFuture.failedFuture(ex);
		}
		CompletableFuture<Void> result = new CompletableFuture<>();
		sent.whenComplete((ignored, failure) -> {
			if (failure == null) {
				completed(operation, start, null);
				result.complete(null);
				return;
			}
			Throwable cause = Causes.unwrapCompletion(failure);
			// the text naming the call is made only when there is an error to name it in
			String what = (messages.size() == 1) ? "enqueue task " + messages.get(0).id()
					: "enqueue " + messages.size() + " tasks";
			Throwable error = (cause instanceof RuntimeException runtime) ? translated(what, runtime) : cause;
			completed(operation, start, error);
			result.completeExceptionally(error);
		});
		return result;
	}

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		ensureOpen();
		if (queues == null || queues.isEmpty()) {
			throw new IllegalArgumentException("reserve needs at least one queue");
		}
		queues.forEach(QueueNames::validate);
		if (max < 1) {
			throw new IllegalArgumentException("reserve asks for at least one task, was " + max);
		}
		checkLease(lease);
		if (wait == null || wait.isNegative()) {
			throw new IllegalArgumentException("wait must be zero or positive, was " + wait);
		}
		if (Thread.interrupted()) {
			throw new InterruptedException("Interrupted before reserving from " + queues);
		}
		long start = System.nanoTime();
		try {
			List<Reservation> reserved = this.driver.reserve(queues, max, lease, wait);
			completed(DriverOperation.RESERVE, start, null);
			return reserved;
		}
		catch (RuntimeException ex) {
			RuntimeException error = translated("reserve from " + queues, ex);
			completed(DriverOperation.RESERVE, start, error);
			throw error;
		}
		catch (InterruptedException ex) {
			completed(DriverOperation.RESERVE, start, ex);
			throw ex;
		}
	}

	@Override
	public boolean acknowledge(Reservation reservation) {
		ensureOpen();
		return onTask(DriverOperation.ACKNOWLEDGE, "acknowledge", reservation, () -> this.driver.acknowledge(reservation));
	}

	@Override
	public boolean[] acknowledgeAll(List<Reservation> reservations) {
		ensureOpen();
		Objects.requireNonNull(reservations, "reservations");
		if (reservations.isEmpty()) {
			return new boolean[0];
		}
		for (Reservation reservation : reservations) {
			Objects.requireNonNull(reservation, "a reservation of reservations");
		}
		boolean[] acknowledged = translate(DriverOperation.ACKNOWLEDGE_ALL, "acknowledge " + reservations.size() + " tasks",
				() -> this.driver.acknowledgeAll(reservations));
		if (acknowledged.length != reservations.size()) {
			throw new DriverException("The " + this.driver.name() + " driver answered " + acknowledged.length
					+ " acknowledgements for " + reservations.size() + " tasks");
		}
		return acknowledged;
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		ensureOpen();
		checkDelay(delay);
		return onTask(DriverOperation.RETRY, "retry", reservation, () -> this.driver.retry(reservation, delay));
	}

	@Override
	public boolean release(Reservation reservation) {
		ensureOpen();
		return onTask(DriverOperation.RELEASE, "release", reservation, () -> this.driver.release(reservation));
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		ensureOpen();
		checkDelay(delay);
		return onTask(DriverOperation.POSTPONE, "postpone", reservation, () -> this.driver.postpone(reservation, delay));
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		ensureOpen();
		Objects.requireNonNull(failure, "failure");
		return onTask(DriverOperation.DEAD_LETTER, "dead-letter", reservation, () -> this.driver.deadLetter(reservation, failure));
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		ensureOpen();
		checkLease(lease);
		return onTask(DriverOperation.EXTEND_LEASE, "extend the lease of", reservation, () -> this.driver.extendLease(reservation, lease));
	}

	@Override
	public boolean[] extendLeases(List<Reservation> reservations, Duration lease) {
		ensureOpen();
		checkLease(lease);
		Objects.requireNonNull(reservations, "reservations");
		if (reservations.isEmpty()) {
			return new boolean[0];
		}
		for (Reservation reservation : reservations) {
			Objects.requireNonNull(reservation, "a reservation of reservations");
		}
		boolean[] extended = translate(DriverOperation.EXTEND_LEASES,
				"extend the leases of " + reservations.size() + " tasks", () -> this.driver.extendLeases(reservations, lease));
		if (extended.length != reservations.size()) {
			throw new DriverException("The " + this.driver.name() + " driver answered " + extended.length
					+ " lease extensions for " + reservations.size() + " tasks");
		}
		return extended;
	}

	@Override
	public QueueCounts counts(String queue) {
		ensureOpen();
		QueueNames.validate(queue);
		return translate(DriverOperation.COUNTS, "count queue '" + queue + "'", () -> this.driver.counts(queue));
	}

	@Override
	public List<DeadLetter> deadLetters(String queue, int offset, int limit) {
		ensureOpen();
		QueueNames.validate(queue);
		if (offset < 0 || limit < 0) {
			throw new IllegalArgumentException("offset and limit must be zero or more, were " + offset + " and " + limit);
		}
		if (limit == 0) {
			return List.of();
		}
		return translate(DriverOperation.DEAD_LETTERS, "list the dead letters of queue '" + queue + "'",
				() -> this.driver.deadLetters(queue, offset, limit));
	}

	@Override
	public boolean retryDeadLetter(String queue, String taskId) {
		ensureOpen();
		QueueNames.validate(queue);
		Objects.requireNonNull(taskId, "taskId");
		return translate(DriverOperation.RETRY_DEAD_LETTER, "retry dead letter " + taskId + " of queue '" + queue + "'",
				() -> this.driver.retryDeadLetter(queue, taskId));
	}

	@Override
	public boolean deleteDeadLetter(String queue, String taskId) {
		ensureOpen();
		QueueNames.validate(queue);
		Objects.requireNonNull(taskId, "taskId");
		return translate(DriverOperation.DELETE_DEAD_LETTER, "delete dead letter " + taskId + " of queue '" + queue + "'",
				() -> this.driver.deleteDeadLetter(queue, taskId));
	}

	@Override
	public long purgeDeadLetters(String queue) {
		ensureOpen();
		QueueNames.validate(queue);
		return translate(DriverOperation.PURGE_DEAD_LETTERS, "purge the dead letters of queue '" + queue + "'",
				() -> this.driver.purgeDeadLetters(queue));
	}

	@Override
	public long expireDeadLetters(String queue, Duration retention, int max) {
		ensureOpen();
		QueueNames.validate(queue);
		if (retention == null || retention.isNegative() || retention.isZero()) {
			throw new IllegalArgumentException("retention must be positive, was " + retention);
		}
		if (max < 1) {
			throw new IllegalArgumentException("expireDeadLetters deletes at least one dead letter, was " + max);
		}
		return translate(DriverOperation.EXPIRE_DEAD_LETTERS, "expire the dead letters of queue '" + queue + "'",
				() -> this.driver.expireDeadLetters(queue, retention, max));
	}

	@Override
	public boolean expiresDeadLettersItself() {
		return this.driver.expiresDeadLettersItself();
	}

	@Override
	public Optional<StoredTask> find(String queue, String taskId) {
		ensureOpen();
		QueueNames.validate(queue);
		Objects.requireNonNull(taskId, "taskId");
		return translate(DriverOperation.FIND, "find task " + taskId + " in queue '" + queue + "'",
				() -> this.driver.find(queue, taskId));
	}

	@Override
	public boolean canFind() {
		return this.driver.canFind();
	}

	@Override
	public void recordResult(TaskResult result, Duration ttl) {
		ensureOpen();
		Objects.requireNonNull(result, "result");
		checkLease(ttl);
		translate(DriverOperation.RECORD_RESULT, "record the result of task " + result.taskId(), () -> {
			this.driver.recordResult(result, ttl);
			return null;
		});
	}

	@Override
	public Optional<TaskResult> result(String taskId) {
		ensureOpen();
		Objects.requireNonNull(taskId, "taskId");
		return translate(DriverOperation.RESULT, "read the result of task " + taskId,
				() -> this.driver.result(taskId));
	}

	@Override
	public boolean storesResults() {
		return this.driver.storesResults();
	}

	@Override
	public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		ensureOpen();
		Objects.requireNonNull(heartbeat, "heartbeat");
		checkLease(ttl);
		translate(DriverOperation.BEAT, "record the heartbeat of worker " + heartbeat.workerId(), () -> {
			this.driver.beat(heartbeat, ttl);
			return null;
		});
	}

	@Override
	public void removeWorker(String workerId) {
		ensureOpen();
		Objects.requireNonNull(workerId, "workerId");
		translate(DriverOperation.REMOVE_WORKER, "remove the heartbeat of worker " + workerId, () -> {
			this.driver.removeWorker(workerId);
			return null;
		});
	}

	@Override
	public List<WorkerHeartbeat> workers() {
		ensureOpen();
		return translate(DriverOperation.WORKERS, "list the workers", this.driver::workers);
	}

	@Override
	public void ping() {
		ensureOpen();
		translate(DriverOperation.PING, "answer a ping", () -> {
			this.driver.ping();
			return null;
		});
	}

	/** Closes the driver, once; every later operation throws {@link IllegalStateException}. */
	@Override
	public void close() {
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
		}
		// the map's value holds its key: a closed facade leaves the map, or neither would ever be collected
		facades.remove(this.driver, this);
		this.driver.close();
	}

	private void ensureOpen() {
		if (this.closed) {
			throw new IllegalStateException("The " + this.driver.name() + " driver is closed");
		}
	}

	private static void checkDelay(Duration delay) {
		if (delay == null || delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
			throw new IllegalArgumentException("delay must be zero or positive and at most " + MAX_DELAY.toDays()
					+ " days, was " + delay);
		}
	}

	private static void checkLease(Duration lease) {
		if (lease == null || lease.isNegative() || lease.isZero() || lease.compareTo(MAX_DELAY) > 0) {
			throw new IllegalArgumentException("lease must be positive and at most " + MAX_DELAY.toDays()
					+ " days, was " + lease);
		}
	}

	/** A call on one reserved task; the text naming it for an error is made only when there is one. */
	private boolean onTask(DriverOperation operation, String what, Reservation reservation, BooleanSupplier call) {
		Objects.requireNonNull(reservation, "reservation");
		long start = System.nanoTime();
		try {
			boolean done = call.getAsBoolean();
			completed(operation, start, null);
			return done;
		}
		catch (RuntimeException ex) {
			RuntimeException error = translated(what + " task " + reservation.id(), ex);
			completed(operation, start, error);
			throw error;
		}
	}

	private <T> T translate(DriverOperation operation, String what, Supplier<T> call) {
		long start = System.nanoTime();
		try {
			T result = call.get();
			completed(operation, start, null);
			return result;
		}
		catch (RuntimeException ex) {
			RuntimeException error = translated(what, ex);
			completed(operation, start, error);
			throw error;
		}
	}

	private void completed(DriverOperation operation, long start, @Nullable Throwable error) {
		DriverCallListener listener = this.calls;
		if (listener == DriverCallListener.NONE) {
			return;
		}
		try {
			listener.completed(operation, System.nanoTime() - start, error);
		}
		catch (RuntimeException ex) {
			logger.warn("The driver call listener failed on {}; ignored", operation, ex);
		}
	}

	/**
	 * What the caller gets when a driver call failed: the driver's own {@link DriverException}, a rule it
	 * enforced ({@link IllegalArgumentException}, {@link IllegalStateException}) or an operation it does not
	 * support ({@link UnsupportedOperationException}) as it is, anything else a
	 * client library threw as a {@link DriverException} naming the backend and the operation.
	 */
	private RuntimeException translated(String operation, RuntimeException error) {
		if (error instanceof DriverException || error instanceof IllegalArgumentException
				|| error instanceof IllegalStateException || error instanceof UnsupportedOperationException) {
			return error;
		}
		return new DriverException("The " + this.driver.name() + " driver could not " + operation + ": " + error,
				error);
	}

}
