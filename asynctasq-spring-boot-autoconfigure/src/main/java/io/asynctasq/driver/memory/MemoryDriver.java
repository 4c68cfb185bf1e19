package io.asynctasq.driver.memory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.StoredTask;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.WorkerHeartbeat;
import org.jspecify.annotations.Nullable;

/**
 * The embedded driver: the same semantics as a durable driver (leases, fencing, atomic retries,
 * dead letters), kept in this JVM's memory. Tasks do not survive a restart. Due times (delays, retries,
 * leases) are read from its clock, the system's unless another is given (a test's settable clock). Design
 * notes: {@code docs/memory.md}.
 */
public class MemoryDriver implements QueueDriver {

	private final InstantSource clock;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private final Map<String, QueueState> queues = new HashMap<>();

	private final AtomicLong sequence = new AtomicLong();

	/** Task results by task id, each with when it expires; an expired one is dropped when it is next read or written. */
	private final Map<String, StoredResult> results = new ConcurrentHashMap<>();

	/** {@link System#nanoTime()} of the last sweep of expired results. */
	private final AtomicLong lastResultSweep = new AtomicLong(System.nanoTime());

	/** Heartbeats by worker id, each with when it expires ({@link System#nanoTime()}). */
	private final Map<String, Beat> heartbeats = new TreeMap<>();

	private volatile boolean closed;

	/** A driver on the system clock. */
	public MemoryDriver() {
		this(InstantSource.system());
	}

	/**
	 * A driver whose delayed tasks, retries and leases fall due by {@code clock}. A reserve waiting for a task
	 * is not woken when such a clock is moved: the next reserve sees what fell due.
	 */
	public MemoryDriver(InstantSource clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public String name() {
		return "memory";
	}

	/** Its calls never wait on I/O: callers need not bound them. */
	@Override
	public boolean waitsOnRemoteBackend() {
		return false;
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		Instant now = this.clock.instant();
		this.lock.lock();
		try {
			for (TaskMessage message : messages) {
				QueueState queue = queue(message.queue());
				Entry entry = new Entry(message, 0);
				if (delay == null || delay.isZero() || delay.isNegative()) {
					queue.ready.addLast(entry);
				}
				else {
					queue.delayed.add(new DelayedEntry(entry, now.plus(delay), this.sequence.incrementAndGet()));
				}
			}
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public List<Reservation> reserve(List<String> queueNames, int max, Duration lease, Duration wait)
			throws InterruptedException {
		long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
		this.lock.lockInterruptibly();
		try {
			while (true) {
				ensureOpen();
				Instant now = this.clock.instant();
				List<Reservation> reserved = new ArrayList<>(Math.min(max, 64));
				Instant nextDue = null;
				for (String name : queueNames) {
					QueueState queue = queue(name);
					Instant due = queue.makeDueTasksReady(now);
					nextDue = earliest(nextDue, due);
					while (reserved.size() < max && !queue.ready.isEmpty()) {
						Entry entry = queue.ready.pollFirst();
						Reservation reservation = Reservation.afterAttempts(entry.message, entry.attempts,
								Long.toString(this.sequence.incrementAndGet()), now.plus(lease));
						entry.attempts = reservation.attempt();
						queue.lease(new InFlight(entry, reservation.leaseToken(), reservation.leaseDeadline(),
								this.sequence.incrementAndGet()));
						reserved.add(reservation);
					}
				}
				long remaining = deadline - System.nanoTime();
				if (!reserved.isEmpty() || remaining <= 0) {
					return reserved;
				}
				if (nextDue != null) {
					remaining = Math.min(remaining, Math.max(1, Duration.between(now, nextDue).toNanos()));
				}
				this.changed.awaitNanos(remaining);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public boolean acknowledge(Reservation reservation) {
		return withLease(reservation, (queue, inFlight) -> {
			queue.endLease(inFlight);
			return true;
		});
	}

	/** Under one hold of the lock. */
	@Override
	public boolean[] acknowledgeAll(List<Reservation> reservations) {
		boolean[] acknowledged = new boolean[reservations.size()];
		this.lock.lock();
		try {
			for (int i = 0; i < acknowledged.length; i++) {
				acknowledged[i] = acknowledge(reservations.get(i)); // reentrant
			}
		}
		finally {
			this.lock.unlock();
		}
		return acknowledged;
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		return withLease(reservation, (queue, inFlight) -> {
			queue.endLease(inFlight);
			requeue(queue, inFlight.entry, delay);
			return true;
		});
	}

	@Override
	public boolean release(Reservation reservation) {
		return withLease(reservation, (queue, inFlight) -> {
			queue.endLease(inFlight);
			inFlight.entry.attempts--;
			queue.ready.addFirst(inFlight.entry);
			this.changed.signalAll();
			return true;
		});
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		return withLease(reservation, (queue, inFlight) -> {
			queue.endLease(inFlight);
			inFlight.entry.attempts--;
			requeue(queue, inFlight.entry, delay);
			return true;
		});
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		return withLease(reservation, (queue, inFlight) -> {
			queue.endLease(inFlight);
			queue.dead.remove(reservation.id());
			queue.dead.put(reservation.id(),
					new DeadLetter(inFlight.entry.message, inFlight.entry.attempts, failure, this.clock.instant()));
			return true;
		});
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		return withLease(reservation, (queue, inFlight) -> {
			queue.extendLease(inFlight, this.clock.instant().plus(lease));
			return true;
		});
	}

	@Override
	public QueueCounts counts(String queueName) {
		return locked(() -> {
			QueueState queue = queue(queueName);
			queue.makeDueTasksReady(this.clock.instant());
			return new QueueCounts(queue.ready.size(), queue.delayed.size(), queue.inFlight.size(), queue.dead.size());
		});
	}

	@Override
	public List<DeadLetter> deadLetters(String queueName, int offset, int limit) {
		return locked(() -> queue(queueName).dead.values().stream().skip(offset).limit(limit).toList());
	}

	@Override
	public boolean retryDeadLetter(String queueName, String taskId) {
		return locked(() -> {
			QueueState queue = queue(queueName);
			DeadLetter dead = queue.dead.remove(taskId);
			if (dead == null) {
				return false;
			}
			queue.ready.addLast(new Entry(dead.message(), 0));
			this.changed.signalAll();
			return true;
		});
	}

	@Override
	public boolean deleteDeadLetter(String queueName, String taskId) {
		return locked(() -> queue(queueName).dead.remove(taskId) != null);
	}

	@Override
	public long purgeDeadLetters(String queueName) {
		return locked(() -> {
			QueueState queue = queue(queueName);
			long count = queue.dead.size();
			queue.dead.clear();
			return count;
		});
	}

	/**
	 * Walks the queue's dead letters from the oldest (they are kept in the order they were made) and stops at
	 * the first younger than {@code retention}.
	 */
	@Override
	public long expireDeadLetters(String queueName, Duration retention, int max) {
		Instant cutoff = Instant.now().minus(retention);
		return locked(() -> {
			long expired = 0;
			Iterator<DeadLetter> oldestFirst = queue(queueName).dead.values().iterator();
			while (expired < max && oldestFirst.hasNext()) {
				if (oldestFirst.next().deadLetteredAt().isAfter(cutoff)) {
					break;
				}
				oldestFirst.remove();
				expired++;
			}
			return expired;
		});
	}

	/**
	 * Looks the task up in the queue's ready, delayed, in-flight and dead-letter tasks (a scan of the first
	 * two); due delayed tasks and expired leases become ready first, as {@link #counts} sees them.
	 */
	@Override
	public Optional<StoredTask> find(String queueName, String taskId) {
		return locked(() -> {
			QueueState queue = queue(queueName);
			queue.makeDueTasksReady(this.clock.instant());
			InFlight inFlight = queue.inFlight.get(taskId);
			if (inFlight != null) {
				return Optional.of(new StoredTask(inFlight.entry.message, StoredTask.State.IN_FLIGHT,
						inFlight.entry.attempts, inFlight.deadline, null));
			}
			DeadLetter dead = queue.dead.get(taskId);
			if (dead != null) {
				return Optional.of(new StoredTask(dead.message(), StoredTask.State.DEAD_LETTERED, dead.attempts(), null,
						dead));
			}
			for (Entry entry : queue.ready) {
				if (entry.message.id().equals(taskId)) {
					return Optional.of(new StoredTask(entry.message, StoredTask.State.READY, entry.attempts, null, null));
				}
			}
			for (DelayedEntry delayed : queue.delayed) {
				if (delayed.entry().message.id().equals(taskId)) {
					return Optional.of(new StoredTask(delayed.entry().message, StoredTask.State.DELAYED,
							delayed.entry().attempts, delayed.dueAt(), null));
				}
			}
			return Optional.empty();
		});
	}

	@Override
	public boolean canFind() {
		return true;
	}

	/** Kept in this JVM, like the tasks; expired results are swept at most once a minute on a write. */
	@Override
	public void recordResult(TaskResult result, Duration ttl) {
		long now = System.nanoTime();
		this.results.put(result.taskId(), new StoredResult(result, now + ttl.toNanos()));
		long last = this.lastResultSweep.get();
		if (now - last > RESULT_SWEEP_INTERVAL_NANOS && this.lastResultSweep.compareAndSet(last, now)) {
			this.results.values().removeIf((stored) -> stored.isExpired(now));
		}
	}

	@Override
	public Optional<TaskResult> result(String taskId) {
		StoredResult stored = this.results.get(taskId);
		if (stored == null) {
			return Optional.empty();
		}
		if (stored.isExpired(System.nanoTime())) {
			this.results.remove(taskId, stored);
			return Optional.empty();
		}
		return Optional.of(stored.result());
	}

	@Override
	public boolean storesResults() {
		return true;
	}

	@Override
	public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		locked(() -> this.heartbeats.put(heartbeat.workerId(), new Beat(heartbeat, System.nanoTime() + ttl.toNanos())));
	}

	@Override
	public void removeWorker(String workerId) {
		locked(() -> this.heartbeats.remove(workerId));
	}

	/** The workers of this JVM that use this driver: its memory is the whole cluster. */
	@Override
	public List<WorkerHeartbeat> workers() {
		return locked(() -> {
			long now = System.nanoTime();
			this.heartbeats.values().removeIf((beat) -> beat.expiresAt - now <= 0);
			return this.heartbeats.values().stream().map(Beat::heartbeat).toList();
		});
	}

	/**
	 * Forgets every task of every queue (ready, delayed, in flight and dead-lettered) and every result, as if
	 * the driver were new; a reservation made before answers as one whose lease was lost. For tests.
	 */
	public void clear() {
		this.lock.lock();
		try {
			this.queues.clear();
			this.results.clear();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void ping() {
		locked(() -> null);
	}

	@Override
	public void close() {
		this.lock.lock();
		try {
			this.closed = true;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Puts a task back at the end of its queue, or among the delayed ones until {@code delay} passed. */
	private void requeue(QueueState queue, Entry entry, Duration delay) {
		if (delay == null || delay.isZero() || delay.isNegative()) {
			queue.ready.addLast(entry);
			this.changed.signalAll();
		}
		else {
			queue.delayed
				.add(new DelayedEntry(entry, this.clock.instant().plus(delay), this.sequence.incrementAndGet()));
		}
	}

	private boolean withLease(Reservation reservation, LeaseAction action) {
		return locked(() -> {
			QueueState queue = queue(reservation.queue());
			InFlight inFlight = queue.inFlight.get(reservation.id());
			if (inFlight == null || !inFlight.token.equals(reservation.leaseToken())) {
				return false;
			}
			return action.apply(queue, inFlight);
		});
	}

	private <T> T locked(java.util.function.Supplier<T> action) {
		this.lock.lock();
		try {
			return action.get();
		}
		finally {
			this.lock.unlock();
		}
	}

	private QueueState queue(String name) {
		return this.queues.computeIfAbsent(name, (key) -> new QueueState());
	}

	private void ensureOpen() {
		if (this.closed) {
			throw new IllegalStateException("The memory driver is closed");
		}
	}

	private static Instant earliest(Instant a, Instant b) {
		if (a == null) {
			return b;
		}
		return (b == null || a.isBefore(b)) ? a : b;
	}

	private static final long RESULT_SWEEP_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private record StoredResult(TaskResult result, long expiresAtNanos) {

		boolean isExpired(long nowNanos) {
			return nowNanos - this.expiresAtNanos >= 0;
		}

	}

	@FunctionalInterface
	private interface LeaseAction {

		boolean apply(QueueState queue, InFlight inFlight);

	}

	private static final class Entry {

		final TaskMessage message;

		int attempts;

		Entry(TaskMessage message, int attempts) {
			this.message = message;
			this.attempts = attempts;
		}

	}

	private record Beat(WorkerHeartbeat heartbeat, long expiresAt) {
	}

	private record DelayedEntry(Entry entry, Instant dueAt, long sequence) {

		static final Comparator<DelayedEntry> ORDER = Comparator.comparing(DelayedEntry::dueAt)
			.thenComparingLong(DelayedEntry::sequence);

	}

	private static final class InFlight {

		final Entry entry;

		final String token;

		Instant deadline;

		/** Breaks ties between equal deadlines in the lease order. */
		final long sequence;

		InFlight(Entry entry, String token, Instant deadline, long sequence) {
			this.entry = entry;
			this.token = token;
			this.deadline = deadline;
			this.sequence = sequence;
		}

	}

	private static final class QueueState {

		final ArrayDeque<Entry> ready = new ArrayDeque<>();

		final PriorityQueue<DelayedEntry> delayed = new PriorityQueue<>(DelayedEntry.ORDER);

		final LinkedHashMap<String, InFlight> inFlight = new LinkedHashMap<>();

		/** The same in-flight tasks by lease deadline, so expired leases are found without a scan. */
		final TreeSet<InFlight> byDeadline = new TreeSet<>(
				Comparator.comparing((InFlight lease) -> lease.deadline).thenComparingLong((lease) -> lease.sequence));

		void lease(InFlight lease) {
			this.inFlight.put(lease.entry.message.id(), lease);
			this.byDeadline.add(lease);
		}

		void endLease(InFlight lease) {
			this.inFlight.remove(lease.entry.message.id());
			this.byDeadline.remove(lease);
		}

		void extendLease(InFlight lease, Instant deadline) {
			this.byDeadline.remove(lease);
			lease.deadline = deadline;
			this.byDeadline.add(lease);
		}

		final LinkedHashMap<String, DeadLetter> dead = new LinkedHashMap<>();

		/**
		 * Moves due delayed tasks and tasks whose lease expired to ready; returns when the next one
		 * falls due, or {@code null}.
		 */
		@Nullable Instant makeDueTasksReady(Instant now) {
			Instant next = null;
			Deque<Entry> expired = new ArrayDeque<>(0);
			while (!this.byDeadline.isEmpty() && !this.byDeadline.first().deadline.isAfter(now)) {
				InFlight lease = this.byDeadline.pollFirst();
				this.inFlight.remove(lease.entry.message.id());
				expired.addFirst(lease.entry);
			}
			// back to the front of the queue, the earliest reserved first
			expired.forEach(this.ready::addFirst);
			if (!this.byDeadline.isEmpty()) {
				next = this.byDeadline.first().deadline;
			}
			while (!this.delayed.isEmpty() && !this.delayed.peek().dueAt().isAfter(now)) {
				this.ready.addLast(this.delayed.poll().entry());
			}
			if (!this.delayed.isEmpty()) {
				next = earliest(next, this.delayed.peek().dueAt());
			}
			return next;
		}

	}

}
