package io.asynctasq.driver.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.asynctasq.driver.Causes;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.PreparedStatementSetter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import static io.asynctasq.driver.jdbc.JdbcTransactions.query;
import static io.asynctasq.driver.jdbc.JdbcTransactions.update;

/**
 * A durable driver on a relational database: PostgreSQL, MySQL/MariaDB or H2, through the
 * application's {@link DataSource}. All SQL lives in {@link JdbcDialect}, the tables come from
 * {@link JdbcSchema}, and the driver owns its transactions ({@link JdbcTransactions}); an {@link #enqueue}
 * inside a Spring-managed transaction on this DataSource joins it. Times come from the database clock;
 * database errors surface as {@link DriverException}s. Design notes: {@code docs/jdbc.md}.
 */
public class JdbcDriver implements QueueDriver {

	private static final Logger logger = LoggerFactory.getLogger(JdbcDriver.class);

	static final int MAX_LOCK_RETRIES = 10;

	static final int MAX_ROWS_PER_INSERT = 500;

	static final int MAX_BODY_BYTES_PER_INSERT = 4 * 1024 * 1024;

	private final DataSource dataSource;

	private final JdbcDriverOptions options;

	private final JdbcDialect dialect;

	private final JdbcTransactions transactions;

	private final String tasksTable;

	private final String deadTable;

	private final String channel;

	private final Statements sql;

	private final WakeUpSignal signal = new WakeUpSignal();

	/** The current pause of idle waiters, shared so idle workers back off together. */
	private final AtomicLong idlePauseNanos;

	private final Object listenerLock = new Object();

	private @Nullable PostgresNotificationListener listener;

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
		// READ COMMITTED (dialect.readCommitted()) is set by the first statement of each driver transaction
		this.transactions = new JdbcTransactions(dataSource,
				this.dialect.readCommitted() ? this.dialect.readCommittedTransaction() : null);
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
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		long delayMillis = delay.toMillis();
		List<List<TaskMessage>> statements = splitForInsert(messages);
		JdbcTransactions.Work<Object> insert = (connection) -> {
			for (List<TaskMessage> rows : statements) {
				insertRows(connection, rows, delayMillis);
			}
			return null;
		};
		String operation = "enqueue " + describe(messages);
		boolean joined = joinsCurrentTransaction();
		if (joined) {
			// already atomic: part of the caller's transaction, committed or rolled back with it
			call(operation, () -> this.transactions.joined(insert));
		}
		else if (statements.size() == 1) {
			// one statement (with its notification): atomic on its own, one round trip in autocommit
			withLockRetry(operation, () -> this.transactions.statement(insert));
		}
		else {
			withLockRetry(operation, () -> this.transactions.transaction(insert));
		}
		wakeUpLocalWaiters(joined);
	}

	/** One multi-row INSERT (and, on PostgreSQL, the notification of its queues in the same statement). */
	private void insertRows(Connection connection, List<TaskMessage> rows, long delayMillis) throws SQLException {
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
			query(connection, this.sql.insertAndNotify(rows.size()), parameters, (rs, i) -> null);
		}
		else {
			update(connection, this.sql.insert(rows.size()), parameters);
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

	/**
	 * Whether an enqueue now joins the caller's transaction: a Spring-managed transaction is active on this
	 * driver's DataSource. No other operation ever joins it.
	 */
	@Override
	public boolean joinsCurrentTransaction() {
		return TransactionSynchronizationManager.isActualTransactionActive()
				&& TransactionSynchronizationManager.hasResource(this.dataSource);
	}

	// ------------------------------------------------------------------ reserve

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		long deadline = System.nanoTime() + wait.toNanos();
		boolean waits = wait.toNanos() > 0;
		if (waits) {
			startListenerIfNeeded();
		}
		while (true) {
			if (Thread.interrupted()) {
				throw new InterruptedException("Interrupted while reserving from " + queues);
			}
			if (this.closed) {
				// closed while waiting
				throw new IllegalStateException("The JDBC driver is closed");
			}
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

	/** PostgreSQL: one UPDATE ... RETURNING, one round trip in autocommit. */
	private List<Reservation> reserveReturning(String queue, int wanted, Duration lease) {
		String token = UUID.randomUUID().toString();
		List<Picked> rows = withLockRetry("reserve from queue '" + queue + "'",
				() -> this.transactions.statement((connection) -> query(connection, this.sql.reserveReturning,
						(statement) -> {
							statement.setString(1, token);
							statement.setLong(2, lease.toMillis());
							statement.setString(3, queue);
							statement.setInt(4, wanted);
						}, (rs, i) -> pickedRow(rs, queue, token, this.dialect.getTime(rs, "lease_until")))));
		return inOrder(rows);
	}

	/** MariaDB/MySQL and H2: SELECT ... FOR UPDATE SKIP LOCKED then UPDATE, one transaction. */
	private List<Reservation> reserveSelectThenUpdate(String queue, int wanted, Duration lease) {
		String token = UUID.randomUUID().toString();
		List<Picked> rows = withLockRetry("reserve from queue '" + queue + "'",
				() -> this.transactions.transaction((connection) -> {
					List<Instant> now = new ArrayList<>(1);
					List<Picked> picked = query(connection, this.sql.reserveSelect, (statement) -> {
						statement.setString(1, queue);
						statement.setInt(2, wanted);
					}, (rs, i) -> {
						if (now.isEmpty()) {
							now.add(this.dialect.getTime(rs, "db_now"));
						}
						return pickedRow(rs, queue, token, now.get(0).plus(lease));
					});
					if (picked.isEmpty()) {
						return picked;
					}
					Instant leaseDeadline = now.get(0).plus(lease);
					update(connection, this.dialect.reserveUpdate(this.tasksTable, picked.size()), (statement) -> {
						statement.setString(1, token);
						this.dialect.setTime(statement, 2, leaseDeadline);
						for (int i = 0; i < picked.size(); i++) {
							statement.setLong(3 + i, picked.get(i).seq());
						}
					});
					return picked;
				}));
		return inOrder(rows);
	}

	/**
	 * The reservation of one picked row, built from its stored counter (the attempts made before this
	 * reservation) by {@link Reservation#afterAttempts}; a column that is missing or unreadable marks it
	 * corrupt instead of failing the other rows of the call.
	 */
	private Picked pickedRow(ResultSet rs, String queue, String token, Instant leaseDeadline) throws SQLException {
		List<String> defects = new ArrayList<>(0);
		long attemptsMade = rs.getLong("attempts_made");
		if (rs.wasNull()) {
			defects.add("attempts is NULL");
		}
		byte[] body = rs.getBytes("body");
		if (body == null) {
			defects.add("body is NULL");
			body = new byte[0];
		}
		Instant enqueuedAt = readTime(rs, "enqueued_at", defects);
		Instant availableAt = readTime(rs, "available_at", defects);
		TaskMessage message = new TaskMessage(rs.getString("id"), queue, body,
				(enqueuedAt != null) ? enqueuedAt : Instant.EPOCH);
		Reservation reservation = Reservation.afterAttempts(message, attemptsMade, token, leaseDeadline);
		if (!defects.isEmpty()) {
			String defect = "corrupt task row: " + String.join(", ", defects);
			reservation = new Reservation(message, reservation.attempt(), token, leaseDeadline,
					reservation.isCorrupt() ? reservation.defect() + "; " + defect : defect);
		}
		if (reservation.isCorrupt()) {
			logger.debug("AsyncTasQ JDBC driver: task {} of queue '{}' is corrupt ({}): handed out to be dead-lettered",
					message.id(), queue, reservation.defect());
		}
		return new Picked(rs.getLong("seq"), (availableAt != null) ? availableAt : Instant.EPOCH, reservation);
	}

	/** A time column, or {@code null} with a defect noted when it is NULL or unreadable. */
	private @Nullable Instant readTime(ResultSet rs, String column, List<String> defects) {
		try {
			Instant time = this.dialect.getTime(rs, column);
			if (time == null) {
				defects.add(column + " is NULL");
			}
			return time;
		}
		catch (SQLException | RuntimeException ex) {
			defects.add(column + " is unreadable (" + ex.getMessage() + ")");
			return null;
		}
	}

	/** Queue order: by available_at, then seq (RETURNING does not keep the subquery's order). */
	private static List<Reservation> inOrder(List<Picked> rows) {
		return rows.stream()
			.sorted(Comparator.comparing(Picked::availableAt).thenComparingLong(Picked::seq))
			.map(Picked::reservation)
			.toList();
	}

	/** A row picked by reserve and its reservation. */
	private record Picked(long seq, Instant availableAt, Reservation reservation) {
	}

	// ------------------------------------------------------------------ operations on a reservation

	@Override
	public boolean acknowledge(Reservation reservation) {
		return fenced("acknowledge task " + reservation.id(), this.sql.acknowledge, reservation);
	}

	/**
	 * One transaction, one commit, for all of them: the fenced deletes go as one JDBC batch (one round trip
	 * where the JDBC driver pipelines batches, as PostgreSQL's and MariaDB's do), in id order.
	 */
	@Override
	public boolean[] acknowledgeAll(List<Reservation> reservations) {
		List<Integer> byId = new ArrayList<>(reservations.size());
		for (int i = 0; i < reservations.size(); i++) {
			byId.add(i);
		}
		byId.sort(Comparator.comparing((Integer i) -> reservations.get(i).id()));
		int[] counts = withLockRetry("acknowledge " + reservations.size() + " tasks",
				() -> this.transactions.transaction((connection) -> {
					try (PreparedStatement statement = connection.prepareStatement(this.sql.acknowledge)) {
						for (int i : byId) {
							fencing(reservations.get(i)).setValues(statement);
							statement.addBatch();
						}
						return statement.executeBatch();
					}
				}));
		boolean[] acknowledged = new boolean[reservations.size()];
		for (int i = 0; i < counts.length; i++) {
			// a JDBC driver that cannot tell a row's count says SUCCESS_NO_INFO: taken as acknowledged, so a lost
			// lease then goes without its warning
			acknowledged[byId.get(i)] = counts[i] == 1 || counts[i] == Statement.SUCCESS_NO_INFO;
		}
		return acknowledged;
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		boolean retried = fenced("retry task " + reservation.id(), this.sql.retry, reservation, delay.toMillis());
		if (retried && delay.toMillis() == 0) {
			this.signal.wakeUp();
		}
		return retried;
	}

	@Override
	public boolean release(Reservation reservation) {
		boolean released = fenced("release task " + reservation.id(), this.sql.release, reservation);
		if (released) {
			this.signal.wakeUp();
		}
		return released;
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		boolean postponed = fenced("postpone task " + reservation.id(), this.sql.postpone, reservation,
				delay.toMillis());
		if (postponed && delay.toMillis() == 0) {
			this.signal.wakeUp();
		}
		return postponed;
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		try {
			return withLockRetry("dead-letter task " + reservation.id(),
					() -> this.transactions.transaction((connection) -> {
						// a dead letter left by an earlier run of this id gives way to this one
						update(connection, this.sql.deadLetterReplace,
								(statement) -> statement.setString(1, reservation.id()));
						int copied = update(connection, this.sql.deadLetterCopy, (statement) -> {
							statement.setBytes(1, new byte[0]);
							statement.setString(2, failure.reason());
							statement.setString(3, failure.errorClass());
							statement.setString(4, failure.errorMessage());
							statement.setString(5, failure.stackTrace());
							statement.setString(6, reservation.id());
							statement.setString(7, reservation.leaseToken());
						});
						if (copied != 1 || update(connection, this.sql.deadLetterDelete,
								fencing(reservation)) != 1) {
							// the lease was lost (before or between the statements): undo the copy
							throw new LeaseLost();
						}
						return true;
					}));
		}
		catch (LeaseLost ex) {
			return false;
		}
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		return fenced("extend the lease of task " + reservation.id(), this.sql.extendLease, reservation,
				lease.toMillis());
	}

	/**
	 * Runs one UPDATE or DELETE fenced by the reservation's lease token: parameters {@code millis} (when
	 * given), id, lease token. Whether it changed the row.
	 */
	private boolean fenced(String operation, String statementSql, Reservation reservation, long... millis) {
		return withLockRetry(operation, () -> this.transactions.statement((connection) -> update(connection,
				statementSql, (statement) -> {
					int index = 1;
					for (long value : millis) {
						statement.setLong(index++, value);
					}
					statement.setString(index++, reservation.id());
					statement.setString(index, reservation.leaseToken());
				}) == 1));
	}

	private static PreparedStatementSetter fencing(Reservation reservation) {
		return (statement) -> {
			statement.setString(1, reservation.id());
			statement.setString(2, reservation.leaseToken());
		};
	}

	// ------------------------------------------------------------------ inspection and dead letters

	@Override
	public QueueCounts counts(String queue) {
		return withLockRetry("count queue '" + queue + "'",
				() -> this.transactions.statement((connection) -> query(connection, this.sql.counts, (statement) -> {
					statement.setString(1, queue);
					statement.setString(2, queue);
				}, (rs, i) -> {
					long total = rs.getLong("n_total");
					long delayed = rs.getLong("n_delayed");
					long inFlight = rs.getLong("n_in_flight");
					return new QueueCounts(total - delayed - inFlight, delayed, inFlight, rs.getLong("n_dead"));
				}).get(0)));
	}

	@Override
	public List<DeadLetter> deadLetters(String queue, int offset, int limit) {
		return withLockRetry("list the dead letters of queue '" + queue + "'",
				() -> this.transactions.statement((connection) -> query(connection, this.sql.deadLetters,
						(statement) -> {
							statement.setString(1, queue);
							statement.setInt(2, limit);
							statement.setInt(3, offset);
						}, (rs, i) -> {
							byte[] body = rs.getBytes("body");
							TaskMessage message = new TaskMessage(rs.getString("id"), queue,
									(body != null) ? body : new byte[0], this.dialect.getTime(rs, "enqueued_at"));
							DeadLetter.Failure failure = new DeadLetter.Failure(rs.getString("reason"),
									rs.getString("error_class"), rs.getString("error_message"),
									rs.getString("stack_trace"));
							return new DeadLetter(message, rs.getInt("attempts"), failure,
									this.dialect.getTime(rs, "dead_lettered_at"));
						})));
	}

	@Override
	public boolean retryDeadLetter(String queue, String taskId) {
		PreparedStatementSetter byQueueAndId = (statement) -> {
			statement.setString(1, queue);
			statement.setString(2, taskId);
		};
		boolean retried;
		try {
			retried = withLockRetry("retry dead letter " + taskId + " of queue '" + queue + "'",
					() -> this.transactions.transaction((connection) -> {
						if (update(connection, this.sql.deadLetterRequeue, byQueueAndId) != 1
								|| update(connection, this.sql.deadLetterDeleteOne, byQueueAndId) != 1) {
							throw new LeaseLost();
						}
						return true;
					}));
		}
		catch (LeaseLost ex) {
			return false;
		}
		catch (DriverException ex) {
			if (isDuplicateKey(ex)) {
				// retried concurrently: the task is already back in its queue
				return false;
			}
			throw ex;
		}
		if (retried) {
			this.signal.wakeUp();
		}
		return retried;
	}

	@Override
	public long purgeDeadLetters(String queue) {
		return withLockRetry("purge the dead letters of queue '" + queue + "'", () -> this.transactions
			.statement((connection) -> (long) update(connection, this.sql.purgeDeadLetters,
					(statement) -> statement.setString(1, queue))));
	}

	@Override
	public void ping() {
		call("ping the database", () -> this.transactions
			.statement((connection) -> query(connection, this.sql.ping, (statement) -> {
			}, (rs, i) -> rs.getInt(1))));
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

	/**
	 * Wakes this driver's waiting reserves: now when the enqueue committed on its own, after the commit when
	 * it {@code joined} the caller's transaction.
	 */
	private void wakeUpLocalWaiters(boolean joined) {
		if (joined && TransactionSynchronizationManager.isSynchronizationActive()) {
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

	/** SQL work of one operation. */
	@FunctionalInterface
	private interface SqlCall<T> {

		T call() throws SQLException;

	}

	/**
	 * Runs {@code work}, a unit of work of the driver's own ({@link JdbcTransactions#statement} or
	 * {@link JdbcTransactions#transaction}), again when it loses a deadlock or lock wait.
	 */
	private <T> T withLockRetry(String operation, SqlCall<T> work) {
		for (int attempt = 1;; attempt++) {
			try {
				return work.call();
			}
			catch (SQLException | DataAccessException ex) {
				if (attempt < MAX_LOCK_RETRIES && isLockConflict(ex)) {
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

	/** Runs {@code work} once (part of the caller's transaction, or a ping that must not linger). */
	private <T> T call(String operation, SqlCall<T> work) {
		try {
			return work.call();
		}
		catch (SQLException | DataAccessException ex) {
			throw failure(operation, ex);
		}
	}

	/** A DriverException naming the operation and the database's own words (the first SQLException's message). */
	private DriverException failure(String operation, Exception ex) {
		String reason = Causes.find(ex, SQLException.class).map(Throwable::getMessage)
			.orElseGet(() -> Causes.root(ex).toString());
		return new DriverException("AsyncTasQ JDBC driver (" + this.dialect.name().toLowerCase(java.util.Locale.ROOT)
				+ ") could not " + operation + ": " + reason, ex);
	}

	/** Deadlock victim or lock wait timeout: PostgreSQL 40P01/40001/55P03, MySQL/MariaDB 1213/1205, H2 40001/50200. */
	static boolean isLockConflict(Throwable ex) {
		return ex instanceof PessimisticLockingFailureException || Causes.anyMatch(ex, (cause) -> {
			if (!(cause instanceof SQLException sql)) {
				return false;
			}
			String state = sql.getSQLState();
			int code = sql.getErrorCode();
			return "40001".equals(state) || "40P01".equals(state) || "55P03".equals(state) || code == 1213
					|| code == 1205 || code == 50200;
		});
	}

	/** A unique-key violation: PostgreSQL and H2 23505, MySQL/MariaDB 1062. */
	static boolean isDuplicateKey(Throwable ex) {
		return Causes.anyMatch(ex, (cause) -> cause instanceof SQLException sql
				&& ("23505".equals(sql.getSQLState()) || sql.getErrorCode() == 1062));
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

	private static String describe(List<TaskMessage> messages) {
		return (messages.size() == 1) ? "task " + messages.get(0).id() + " on queue '" + messages.get(0).queue() + "'"
				: messages.size() + " tasks";
	}

	/** Thrown in a driver transaction whose lease (or dead letter) was gone: rolls it back, the operation returns false. */
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

		final String postpone;

		final String extendLease;

		final String deadLetterReplace;

		final String deadLetterCopy;

		final String deadLetterDelete;

		final String deadLetterRequeue;

		final String deadLetterDeleteOne;

		final String purgeDeadLetters;

		final String deadLetters;

		final String counts;

		final String ping;

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
			this.postpone = dialect.postpone(tasks);
			this.extendLease = dialect.extendLease(tasks);
			this.deadLetterReplace = dialect.deadLetterReplace(tasks, dead);
			this.deadLetterCopy = dialect.deadLetterCopy(tasks, dead);
			this.deadLetterDelete = dialect.deadLetterDelete(tasks);
			this.deadLetterRequeue = dialect.deadLetterRequeue(tasks, dead);
			this.deadLetterDeleteOne = dialect.deadLetterDeleteOne(dead);
			this.purgeDeadLetters = dialect.purgeDeadLetters(dead);
			this.deadLetters = dialect.deadLetters(dead);
			this.counts = dialect.counts(tasks, dead);
			this.ping = dialect.ping();
		}

		String insert(int rows) {
			return (rows == 1) ? this.insertOne : this.dialect.insert(this.tasks, rows);
		}

		String insertAndNotify(int rows) {
			return (rows == 1) ? this.insertAndNotifyOne : this.dialect.insertAndNotify(this.tasks, rows);
		}

	}

}
