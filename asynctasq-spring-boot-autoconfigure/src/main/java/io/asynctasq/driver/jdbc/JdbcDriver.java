package io.asynctasq.driver.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.QueueNames;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.TransactionalEnqueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementSetter;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A durable driver on a relational database: PostgreSQL, MySQL/MariaDB or H2, through the
 * application's {@link DataSource}. All SQL lives in {@link JdbcDialect}; the tables come from
 * {@link JdbcSchema}.
 * <p>
 * <b>Transactions.</b> Statements run through Spring JDBC ({@link JdbcTemplate}, a
 * {@link JdbcTransactionManager} on the same DataSource), so an {@link #enqueue} made inside a
 * Spring-managed transaction on this DataSource uses that transaction's connection: rolled back, the
 * task never existed; committed, it is queued ({@link #joinsCurrentTransaction()}). Every other
 * operation is one short transaction of its own (or joins the caller's, when there is one): acknowledge
 * is one DELETE, retry/release/extend-lease one UPDATE, dead-letter an INSERT ... SELECT and a DELETE
 * fenced by the lease token. A transaction the driver owns that loses a deadlock or a lock wait (MariaDB
 * answers concurrent SKIP LOCKED reservations with deadlocks for some statement shapes) is rolled back
 * and run again, up to {@value #MAX_LOCK_RETRIES} times, so a deadlock never reaches the caller.
 * <p>
 * <b>Leases.</b> Times come from the database clock. Reserve sets the attempt, a fencing token (one
 * random token per reserve call; together with the task id it identifies the reservation) and the lease
 * deadline in the same transaction as it picks the rows; an expired lease is taken back by the reserve
 * query itself.
 * <p>
 * <b>Waiting.</b> An empty {@link #reserve} with a wait polls with a back-off that doubles from
 * {@link JdbcDriverOptions#pollBackoffMin()} to {@link JdbcDriverOptions#pollBackoffMax()} and is shared
 * by the driver's waiters, so an idle worker costs one query per queue and maximum back-off. Enqueues,
 * retries and releases through this driver wake its waiters at once (after commit), and on PostgreSQL a
 * listening connection turns every process's enqueue ({@code pg_notify} in the enqueue's transaction)
 * into an immediate wake-up.
 * <p>
 * <b>Failures.</b> A database error becomes a {@link DriverException} naming the operation and the
 * cause; nothing is half-done. The driver keeps no connection of its own besides the PostgreSQL
 * listener, so when the database is back the next call simply works.
 */
public class JdbcDriver implements QueueDriver, TransactionalEnqueue {

	private static final Logger logger = LoggerFactory.getLogger(JdbcDriver.class);

	static final int MAX_LOCK_RETRIES = 10;

	static final int MAX_ROWS_PER_INSERT = 500;

	static final int MAX_BODY_BYTES_PER_INSERT = 4 * 1024 * 1024;

	private final DataSource dataSource;

	private final JdbcDriverOptions options;

	private final JdbcDialect dialect;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final String tasksTable;

	private final String deadTable;

	private final String channel;

	private final Statements sql;

	private final WakeUpSignal signal = new WakeUpSignal();

	/** The current pause of idle waiters, shared so idle workers back off together. */
	private final AtomicLong idlePauseNanos;

	private final Object listenerLock = new Object();

	private PostgresNotificationListener listener;

	private final AtomicLong lockRetries = new AtomicLong();

	private volatile boolean closed;

	public JdbcDriver(DataSource dataSource) {
		this(dataSource, JdbcDriverOptions.defaults());
	}

	/**
	 * @param dataSource the database; the tables must exist (see {@link JdbcSchema#create})
	 * @param options table prefix, polling back-off, notifications and (optionally) the dialect; without a
	 * dialect, one connection is opened here to detect it
	 */
	public JdbcDriver(DataSource dataSource, JdbcDriverOptions options) {
		this.dataSource = dataSource;
		this.options = options;
		this.dialect = (options.dialect() != null) ? options.dialect() : JdbcSchema.dialectOf(dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		JdbcTransactionManager transactionManager = new JdbcTransactionManager(dataSource);
		this.transactions = new TransactionTemplate(transactionManager);
		// a savepoint inside the caller's transaction, so a lost lease undoes only the driver's statements
		this.transactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
		// READ COMMITTED (dialect.readCommitted()) is set by the transaction's first statement: see inTransaction
		this.tasksTable = options.tablePrefix() + "tasks";
		this.deadTable = options.tablePrefix() + "dead_letters";
		this.channel = (options.tablePrefix() + "tasks").toLowerCase(java.util.Locale.ROOT);
		this.sql = new Statements(this.dialect, this.tasksTable, this.deadTable);
		this.idlePauseNanos = new AtomicLong(options.pollBackoffMin().toNanos());
	}

	@Override
	public String name() {
		return "jdbc";
	}

	/** The dialect in use. */
	public JdbcDialect dialect() {
		return this.dialect;
	}

	/** Whether PostgreSQL notifications currently wake waiting reserves (the listener is connected). */
	public boolean isListening() {
		synchronized (this.listenerLock) {
			return this.listener != null && this.listener.isListening();
		}
	}

	// ------------------------------------------------------------------ enqueue

	@Override
	public void enqueue(TaskMessage message, Duration delay) {
		enqueueAll(List.of(message), delay);
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		ensureOpen();
		if (messages.isEmpty()) {
			return;
		}
		long delayMillis = millis(delay);
		List<List<TaskMessage>> statements = splitForInsert(messages);
		Supplier<Object> insert = () -> {
			for (List<TaskMessage> rows : statements) {
				insertRows(rows, delayMillis);
			}
			return null;
		};
		String operation = "enqueue " + describe(messages);
		if (TransactionSynchronizationManager.hasResource(this.dataSource)) {
			// already atomic: part of the caller's transaction
			call(operation, insert);
		}
		else if (statements.size() == 1) {
			// one statement (with its notification): atomic on its own in autocommit, one round trip
			withLockRetry(operation, insert);
		}
		else {
			inTransaction(operation, insert);
		}
		wakeUpLocalWaitersAfterCommit();
	}

	/** One multi-row INSERT (and, on PostgreSQL, the notification of its queues in the same statement). */
	private void insertRows(List<TaskMessage> rows, long delayMillis) {
		PreparedStatementSetter parameters = (statement) -> {
			int index = 1;
			for (TaskMessage message : rows) {
				statement.setString(index++, message.id());
				statement.setString(index++, message.queue());
				statement.setBytes(index++, message.body());
				statement.setLong(index++, delayMillis);
				this.dialect.setTime(statement, index++, message.enqueuedAt());
			}
			if (notifying()) {
				statement.setString(index, this.channel);
			}
		};
		if (notifying()) {
			this.jdbc.query(this.sql.insertAndNotify(rows.size()), parameters, (ResultSet rs) -> null);
		}
		else {
			this.jdbc.update(this.sql.insert(rows.size()), parameters);
		}
	}

	/**
	 * Splits a batch into INSERT statements of at most {@value #MAX_ROWS_PER_INSERT} rows and about
	 * {@value #MAX_BODY_BYTES_PER_INSERT} bytes of bodies (bind-parameter and packet limits).
	 */
	private static List<List<TaskMessage>> splitForInsert(List<TaskMessage> messages) {
		List<List<TaskMessage>> statements = new ArrayList<>();
		int start = 0;
		long bytes = 0;
		for (int i = 0; i < messages.size(); i++) {
			int size = messages.get(i).body().length;
			if (i > start && (i - start == MAX_ROWS_PER_INSERT || bytes + size > MAX_BODY_BYTES_PER_INSERT)) {
				statements.add(messages.subList(start, i));
				start = i;
				bytes = 0;
			}
			bytes += size;
		}
		statements.add(messages.subList(start, messages.size()));
		return statements;
	}

	@Override
	public boolean joinsCurrentTransaction() {
		return TransactionSynchronizationManager.isActualTransactionActive()
				&& TransactionSynchronizationManager.hasResource(this.dataSource);
	}

	// ------------------------------------------------------------------ reserve

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		queues.forEach(QueueNames::validate);
		if (max < 1) {
			throw new IllegalArgumentException("max must be at least 1, was " + max);
		}
		long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
		boolean waits = wait.toNanos() > 0;
		if (waits) {
			startListenerIfNeeded();
		}
		while (true) {
			if (Thread.interrupted()) {
				throw new InterruptedException("Interrupted while reserving from " + queues);
			}
			ensureOpen();
			long seen = this.signal.version();
			List<Reservation> reserved = reserveOnce(queues, max, lease);
			long remaining = deadline - System.nanoTime();
			if (!reserved.isEmpty()) {
				this.idlePauseNanos.set(this.options.pollBackoffMin().toNanos());
				return reserved;
			}
			if (remaining <= 0) {
				return reserved;
			}
			long pause = this.idlePauseNanos.get();
			boolean woken = this.signal.awaitChange(seen, Math.min(pause, remaining));
			if (woken) {
				this.idlePauseNanos.set(this.options.pollBackoffMin().toNanos());
			}
			else {
				long next = Math.min(pause * 2, this.options.pollBackoffMax().toNanos());
				this.idlePauseNanos.compareAndSet(pause, next);
			}
		}
	}

	private List<Reservation> reserveOnce(List<String> queues, int max, Duration lease) {
		List<Reservation> reserved = new ArrayList<>(Math.min(max, 64));
		for (String queue : queues) {
			int wanted = max - reserved.size();
			if (wanted <= 0) {
				break;
			}
			reserved.addAll(this.dialect.reservesWithReturning() ? reserveReturning(queue, wanted, lease)
					: reserveSelectThenUpdate(queue, wanted, lease));
		}
		return reserved;
	}

	/** PostgreSQL: one UPDATE ... RETURNING, one round trip in autocommit (or in the caller's transaction). */
	private List<Reservation> reserveReturning(String queue, int wanted, Duration lease) {
		String token = UUID.randomUUID().toString();
		List<Picked> rows = withLockRetry("reserve from queue '" + queue + "'",
				() -> this.jdbc.query(this.sql.reserveReturning, (rs, i) -> {
					// RETURNING shows the row after the update: attempts already counts this reservation
					Picked row = pickedRow(rs, rs.getInt("attempts"));
					return row.reserved(token, this.dialect.getTime(rs, "lease_until"));
				}, token, millis(lease), queue, wanted));
		return inOrder(rows);
	}

	/** MariaDB/MySQL and H2: SELECT ... FOR UPDATE SKIP LOCKED then UPDATE, one transaction. */
	private List<Reservation> reserveSelectThenUpdate(String queue, int wanted, Duration lease) {
		String token = UUID.randomUUID().toString();
		List<Picked> rows = inTransaction("reserve from queue '" + queue + "'", () -> {
			List<Instant> now = new ArrayList<>(1);
			List<Picked> picked = this.jdbc.query(this.sql.reserveSelect, (rs, i) -> {
				if (now.isEmpty()) {
					now.add(this.dialect.getTime(rs, "db_now"));
				}
				return pickedRow(rs, rs.getInt("attempts") + 1);
			}, queue, wanted);
			if (picked.isEmpty()) {
				return picked;
			}
			Instant leaseDeadline = now.get(0).plus(lease);
			this.jdbc.update(this.dialect.reserveUpdate(this.tasksTable, picked.size()), (statement) -> {
				statement.setString(1, token);
				this.dialect.setTime(statement, 2, leaseDeadline);
				for (int i = 0; i < picked.size(); i++) {
					statement.setLong(3 + i, picked.get(i).seq());
				}
			});
			return picked.stream().map((row) -> row.reserved(token, leaseDeadline)).toList();
		});
		return inOrder(rows);
	}

	private Picked pickedRow(ResultSet rs, int attempt) throws SQLException {
		byte[] body = rs.getBytes("body");
		TaskMessage message = new TaskMessage(rs.getString("id"), rs.getString("queue"),
				(body != null) ? body : new byte[0], this.dialect.getTime(rs, "enqueued_at"));
		return new Picked(rs.getLong("seq"), this.dialect.getTime(rs, "available_at"), message, attempt, null);
	}

	/** Queue order: by available_at, then seq (RETURNING does not keep the subquery's order). */
	private static List<Reservation> inOrder(List<Picked> rows) {
		return rows.stream()
			.sorted(Comparator.comparing(Picked::availableAt).thenComparingLong(Picked::seq))
			.map(Picked::reservation)
			.toList();
	}

	/** A row picked by reserve, with the attempt it starts, and its reservation once the lease is set. */
	private record Picked(long seq, Instant availableAt, TaskMessage message, int attempt, Reservation reservation) {

		Picked reserved(String token, Instant leaseDeadline) {
			return new Picked(this.seq, this.availableAt, this.message, this.attempt,
					new Reservation(this.message, this.attempt, token, leaseDeadline));
		}

	}

	// ------------------------------------------------------------------ operations on a reservation

	@Override
	public boolean acknowledge(Reservation reservation) {
		ensureOpen();
		return withLockRetry("acknowledge task " + reservation.id(),
				() -> this.jdbc.update(this.sql.acknowledge, reservation.id(), reservation.leaseToken()) == 1);
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		ensureOpen();
		boolean retried = withLockRetry("retry task " + reservation.id(), () -> this.jdbc.update(this.sql.retry,
				millis(delay), reservation.id(), reservation.leaseToken()) == 1);
		if (retried && millis(delay) == 0) {
			wakeUpLocalWaitersAfterCommit();
		}
		return retried;
	}

	@Override
	public boolean release(Reservation reservation) {
		ensureOpen();
		boolean released = withLockRetry("release task " + reservation.id(),
				() -> this.jdbc.update(this.sql.release, reservation.id(), reservation.leaseToken()) == 1);
		if (released) {
			wakeUpLocalWaitersAfterCommit();
		}
		return released;
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		throw new UnsupportedOperationException("postpone: not yet implemented by this driver");
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		ensureOpen();
		return inTransaction("dead-letter task " + reservation.id(), () -> {
			int copied = this.jdbc.update(this.sql.deadLetterCopy, failure.reason(), failure.errorClass(),
					failure.errorMessage(), failure.stackTrace(), reservation.id(), reservation.leaseToken());
			if (copied != 1) {
				return false;
			}
			if (this.jdbc.update(this.sql.deadLetterDelete, reservation.id(), reservation.leaseToken()) != 1) {
				// the lease was lost between the two statements: undo the copy
				throw new LeaseLost();
			}
			return true;
		});
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		ensureOpen();
		return withLockRetry("extend the lease of task " + reservation.id(), () -> this.jdbc
			.update(this.sql.extendLease, millis(lease), reservation.id(), reservation.leaseToken()) == 1);
	}

	// ------------------------------------------------------------------ inspection and dead letters

	@Override
	public QueueCounts counts(String queue) {
		QueueNames.validate(queue);
		ensureOpen();
		return call("count queue '" + queue + "'", () -> this.jdbc.queryForObject(this.sql.counts, (rs, i) -> {
			long total = rs.getLong("n_total");
			long delayed = rs.getLong("n_delayed");
			long inFlight = rs.getLong("n_in_flight");
			return new QueueCounts(total - delayed - inFlight, delayed, inFlight, rs.getLong("n_dead"));
		}, queue, queue));
	}

	@Override
	public List<DeadLetter> deadLetters(String queue, int offset, int limit) {
		QueueNames.validate(queue);
		ensureOpen();
		if (limit <= 0) {
			return List.of();
		}
		return call("list the dead letters of queue '" + queue + "'",
				() -> this.jdbc.query(this.sql.deadLetters, (rs, i) -> {
					byte[] body = rs.getBytes("body");
					TaskMessage message = new TaskMessage(rs.getString("id"), rs.getString("queue"),
							(body != null) ? body : new byte[0], this.dialect.getTime(rs, "enqueued_at"));
					DeadLetter.Failure failure = new DeadLetter.Failure(rs.getString("reason"),
							rs.getString("error_class"), rs.getString("error_message"), rs.getString("stack_trace"));
					return new DeadLetter(message, rs.getInt("attempts"), failure,
							this.dialect.getTime(rs, "dead_lettered_at"));
				}, queue, limit, Math.max(0, offset)));
	}

	@Override
	public boolean retryDeadLetter(String queue, String taskId) {
		QueueNames.validate(queue);
		ensureOpen();
		boolean retried;
		try {
			retried = inTransaction("retry dead letter " + taskId + " of queue '" + queue + "'", () -> {
				if (this.jdbc.update(this.sql.deadLetterRequeue, queue, taskId) != 1) {
					return false;
				}
				if (this.jdbc.update(this.sql.deadLetterDeleteOne, queue, taskId) != 1) {
					throw new LeaseLost();
				}
				return true;
			});
		}
		catch (DriverException ex) {
			if (ex.getCause() instanceof DuplicateKeyException) {
				// retried concurrently: the task is already back in its queue
				return false;
			}
			throw ex;
		}
		if (retried) {
			wakeUpLocalWaitersAfterCommit();
		}
		return retried;
	}

	@Override
	public long purgeDeadLetters(String queue) {
		QueueNames.validate(queue);
		ensureOpen();
		return withLockRetry("purge the dead letters of queue '" + queue + "'",
				() -> (long) this.jdbc.update(this.sql.purgeDeadLetters, queue));
	}

	@Override
	public void ping() {
		ensureOpen();
		call("ping the database", () -> this.jdbc.queryForObject(this.sql.ping, Integer.class));
	}

	@Override
	public void close() {
		this.closed = true;
		PostgresNotificationListener stopping;
		synchronized (this.listenerLock) {
			stopping = this.listener;
			this.listener = null;
		}
		if (stopping != null) {
			stopping.stop();
		}
		this.signal.wakeUp();
	}

	// ------------------------------------------------------------------ internals

	private boolean notifying() {
		return this.options.notifications() && this.dialect.supportsNotifications();
	}

	private void startListenerIfNeeded() {
		if (!notifying() || !PostgresNotificationListener.isAvailable()) {
			return;
		}
		synchronized (this.listenerLock) {
			if (this.listener == null && !this.closed) {
				this.listener = new PostgresNotificationListener(this.dataSource, this.channel, this.signal);
				this.listener.start();
			}
		}
	}

	/** Wakes this driver's waiting reserves now, or after the caller's transaction commits. */
	private void wakeUpLocalWaitersAfterCommit() {
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					JdbcDriver.this.signal.wakeUp();
				}
			});
		}
		else {
			this.signal.wakeUp();
		}
	}

	/**
	 * Runs {@code work} in a transaction: a savepoint in the caller's transaction when one is active on
	 * this DataSource, else a transaction of its own, run again when it loses a deadlock or lock wait.
	 * {@link LeaseLost} thrown by {@code work} rolls back to where it started and returns {@code false}.
	 */
	private <T> T inTransaction(String operation, Supplier<T> work) {
		return withLockRetry(operation, () -> this.transactions.execute((status) -> {
			try {
				if (this.sql.readCommittedTransaction != null && status.isNewTransaction()) {
					// a transaction of the driver's own (a caller's transaction keeps its isolation)
					this.jdbc.execute(this.sql.readCommittedTransaction);
				}
				return work.get();
			}
			catch (LeaseLost ex) {
				status.setRollbackOnly();
				@SuppressWarnings("unchecked")
				T result = (T) Boolean.FALSE;
				return result;
			}
		}));
	}

	/**
	 * Runs {@code work} (one statement, atomic on its own: autocommit, or part of the caller's
	 * transaction), again when it loses a deadlock or lock wait outside a caller's transaction.
	 */
	private <T> T withLockRetry(String operation, Supplier<T> work) {
		boolean joined = TransactionSynchronizationManager.hasResource(this.dataSource);
		for (int attempt = 1;; attempt++) {
			try {
				return work.get();
			}
			catch (DataAccessException | org.springframework.transaction.TransactionException ex) {
				if (!joined && attempt < MAX_LOCK_RETRIES && isLockConflict(ex)) {
					this.lockRetries.incrementAndGet();
					logger.debug("AsyncTasQ JDBC driver: {} lost a lock conflict (attempt {}), running it again: {}",
							operation, attempt, ex.getMessage());
					pauseBeforeRetry(attempt);
					continue;
				}
				throw failure(operation, ex);
			}
		}
	}

	/** How many driver transactions lost a deadlock or lock wait and were run again (diagnostics, tests). */
	public long lockConflictRetries() {
		return this.lockRetries.get();
	}

	private <T> T call(String operation, Supplier<T> work) {
		try {
			return work.get();
		}
		catch (DataAccessException | org.springframework.transaction.TransactionException ex) {
			throw failure(operation, ex);
		}
	}

	/** A DriverException naming the operation and the database's own words (the first SQLException's message). */
	private DriverException failure(String operation, RuntimeException ex) {
		String reason = null;
		Throwable root = ex;
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() == cause) ? null : cause.getCause()) {
			if (reason == null && cause instanceof SQLException) {
				reason = cause.getMessage();
			}
			root = cause;
		}
		if (reason == null) {
			reason = root.toString();
		}
		return new DriverException("AsyncTasQ JDBC driver (" + this.dialect.name().toLowerCase(java.util.Locale.ROOT)
				+ ") could not " + operation + ": " + reason, ex);
	}

	/** Deadlock victim or lock wait timeout: PostgreSQL 40P01/40001/55P03, MySQL/MariaDB 1213/1205, H2 40001/50200. */
	static boolean isLockConflict(Throwable ex) {
		if (ex instanceof PessimisticLockingFailureException) {
			return true;
		}
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() == cause) ? null : cause.getCause()) {
			if (cause instanceof SQLException sql) {
				String state = sql.getSQLState();
				int code = sql.getErrorCode();
				if ("40001".equals(state) || "40P01".equals(state) || "55P03".equals(state) || code == 1213
						|| code == 1205 || code == 50200) {
					return true;
				}
			}
		}
		return false;
	}

	private static void pauseBeforeRetry(int attempt) {
		long millis = ThreadLocalRandom.current().nextLong(1, 2L + Math.min(50, attempt * 5L));
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void ensureOpen() {
		if (this.closed) {
			throw new IllegalStateException("The JDBC driver is closed");
		}
	}

	private static long millis(Duration duration) {
		return (duration == null || duration.isNegative()) ? 0 : duration.toMillis();
	}

	private static String describe(List<TaskMessage> messages) {
		return (messages.size() == 1) ? "task " + messages.get(0).id() + " on queue '" + messages.get(0).queue() + "'"
				: messages.size() + " tasks";
	}

	/** Rolls back the driver's transaction and makes the operation return false. */
	private static final class LeaseLost extends RuntimeException {

		LeaseLost() {
			super(null, null, false, false);
		}

	}

	/** This driver's statements, resolved once for its dialect and tables. */
	private static final class Statements {

		private final JdbcDialect dialect;

		private final String tasks;

		private final String insertOne;

		private final String insertAndNotifyOne;

		final String reserveReturning;

		final String reserveSelect;

		final String acknowledge;

		final String retry;

		final String release;

		final String extendLease;

		final String deadLetterCopy;

		final String deadLetterDelete;

		final String deadLetterRequeue;

		final String deadLetterDeleteOne;

		final String purgeDeadLetters;

		final String deadLetters;

		final String counts;

		final String ping;

		final String readCommittedTransaction;

		Statements(JdbcDialect dialect, String tasks, String dead) {
			this.dialect = dialect;
			this.tasks = tasks;
			this.insertOne = dialect.insert(tasks, 1);
			this.insertAndNotifyOne = dialect.supportsNotifications() ? dialect.insertAndNotify(tasks, 1) : null;
			this.reserveReturning = dialect.reservesWithReturning() ? dialect.reserveReturning(tasks) : null;
			this.reserveSelect = dialect.reserveSelect(tasks);
			this.acknowledge = dialect.acknowledge(tasks);
			this.retry = dialect.retry(tasks);
			this.release = dialect.release(tasks);
			this.extendLease = dialect.extendLease(tasks);
			this.deadLetterCopy = dialect.deadLetterCopy(tasks, dead);
			this.deadLetterDelete = dialect.deadLetterDelete(tasks);
			this.deadLetterRequeue = dialect.deadLetterRequeue(tasks, dead);
			this.deadLetterDeleteOne = dialect.deadLetterDeleteOne(dead);
			this.purgeDeadLetters = dialect.purgeDeadLetters(dead);
			this.deadLetters = dialect.deadLetters(dead);
			this.counts = dialect.counts(tasks, dead);
			this.ping = dialect.ping();
			this.readCommittedTransaction = dialect.readCommitted() ? dialect.readCommittedTransaction() : null;
		}

		String insert(int rows) {
			return (rows == 1) ? this.insertOne : this.dialect.insert(this.tasks, rows);
		}

		String insertAndNotify(int rows) {
			return (rows == 1) ? this.insertAndNotifyOne : this.dialect.insertAndNotify(this.tasks, rows);
		}

	}

}
