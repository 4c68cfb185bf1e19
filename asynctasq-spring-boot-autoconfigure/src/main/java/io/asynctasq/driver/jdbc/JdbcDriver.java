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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.asynctasq.driver.Causes;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.HeartbeatJson;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.StoredTask;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.TaskResultJson;
import io.asynctasq.driver.WorkerHeartbeat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.PreparedStatementSetter;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import static io.asynctasq.driver.jdbc.JdbcTransactions.query;
import static io.asynctasq.driver.jdbc.JdbcTransactions.update;

/**
 * A durable driver on a relational database: PostgreSQL, MySQL/MariaDB or H2, through the
 * application's {@link DataSource}. All SQL lives in {@link JdbcDialect}, the tables come from
 * {@link JdbcSchema}, and the driver owns its transactions ({@link JdbcTransactions}); an {@link #enqueue}
 * inside a Spring-managed transaction on this DataSource joins it. Every insert and delete of a task or a
 * dead letter adds to the queue totals ({@link JdbcCounts}) in its transaction, so {@link #counts} reads
 * totals instead of scanning a queue. Times come from the database clock; database errors surface as
 * {@link DriverException}s. Design notes: {@code docs/jdbc.md}.
 */
public class JdbcDriver implements QueueDriver {

	private static final Logger logger = LoggerFactory.getLogger(JdbcDriver.class);

	static final int MAX_LOCK_RETRIES = 10;

	static final int MAX_ROWS_PER_INSERT = 500;

	static final int MAX_BODY_BYTES_PER_INSERT = 4 * 1024 * 1024;

	/** Expired results deleted per statement. */
	static final int RESULT_PURGE_CHUNK = 500;

	/** Dead letters read (and at most deleted) per statement of an expiry. */
	static final int DEAD_LETTER_EXPIRY_CHUNK = 500;

	/** Statements of one purge of expired results that a recording runs (at most once a minute). */
	private static final int RESULT_PURGE_MAX_CHUNKS = 10;

	private static final long RESULT_PURGE_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

	private final DataSource dataSource;

	private final JdbcDriverOptions options;

	private final JdbcDialect dialect;

	private final JdbcTransactions transactions;

	private final String tasksTable;

	private final String deadTable;

	private final JdbcCounts counts;

	private final String channel;

	private final Statements sql;

	/** {@link JdbcDialect#queuesWithWork} per number of queues served. */
	private final Map<Integer, String> queuesWithWorkSql = new ConcurrentHashMap<>();

	private final WakeUpSignal signal = new WakeUpSignal();

	/** The current pause of idle waiters, shared so idle workers back off together. */
	private final AtomicLong idlePauseNanos;

	private final Object listenerLock = new Object();

	private @Nullable PostgresNotificationListener listener;

	private final AtomicLong lockRetries = new AtomicLong();

	/** {@link System#nanoTime()} of the last purge of expired results a recording ran. */
	private final AtomicLong lastResultPurge = new AtomicLong(System.nanoTime() - RESULT_PURGE_INTERVAL_NANOS);

	/** When ({@link System#nanoTime()}) a beat deletes the expired heartbeats next. */
	private final AtomicLong nextWorkerPrune = new AtomicLong(System.nanoTime());

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
		String countsTable = options.tablePrefix() + "queue_counts";
		this.counts = new JdbcCounts(this.dialect, countsTable);
		this.channel = (options.tablePrefix() + "tasks").toLowerCase(java.util.Locale.ROOT);
		this.sql = new Statements(this.dialect, this.tasksTable, this.deadTable, countsTable,
				options.tablePrefix() + "results", options.tablePrefix() + "workers");
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
		String operation = "enqueue " + describe(messages);
		if (joinsCurrentTransaction()) {
			// already atomic: part of the caller's transaction, committed or rolled back with it; the totals are
			// added just before it commits (or here, when it has no synchronization)
			call(operation, () -> this.transactions.joined((connection) -> {
				for (List<TaskMessage> rows : statements) {
					insertRows(connection, rows, delayMillis, -1);
					JdbcCounts.Changes inserted = inserted(rows);
					if (!this.counts.addBeforeCommit(inserted, this::addAtCommit, this.signal::wakeUp)) {
						this.counts.add(connection, inserted);
						this.signal.wakeUp();
					}
				}
				return null;
			}));
			return;
		}
		if (this.dialect.countsInStatement()) {
			// each INSERT adds to the totals itself: one statement (with its notification) is atomic on its own,
			// one round trip in autocommit
			int slot = JdbcCounts.slot();
			JdbcTransactions.Work<Object> insert = (connection) -> {
				for (List<TaskMessage> rows : statements) {
					insertRows(connection, rows, delayMillis, slot);
				}
				return null;
			};
			withLockRetry(operation, () -> (statements.size() == 1) ? this.transactions.statement(insert)
					: this.transactions.transaction(insert));
		}
		else {
			withLockRetry(operation, () -> this.transactions.transaction((connection) -> {
				for (List<TaskMessage> rows : statements) {
					insertRows(connection, rows, delayMillis, -1);
				}
				this.counts.add(connection, inserted(messages));
				return null;
			}));
		}
		this.signal.wakeUp();
	}

	/** What inserting {@code messages} adds to the totals. */
	private static JdbcCounts.Changes inserted(List<TaskMessage> messages) {
		JdbcCounts.Changes changes = new JdbcCounts.Changes();
		for (TaskMessage message : messages) {
			changes.add(message.queue(), 1, 0);
		}
		return changes;
	}

	/** Adds the totals of a joined transaction's enqueues on its connection, just before it commits. */
	private void addAtCommit(JdbcCounts.Changes changes) {
		call("count the tasks enqueued in this transaction",
				() -> this.transactions.joined((connection) -> {
					this.counts.add(connection, changes);
					return null;
				}));
	}

	/**
	 * One multi-row INSERT (and, on PostgreSQL, the notification of its queues in the same statement); with
	 * a {@code slot} (not -1), on a dialect that {@linkplain JdbcDialect#countsInStatement counts in the
	 * statement}, it adds the rows to the totals too.
	 */
	private void insertRows(Connection connection, List<TaskMessage> rows, long delayMillis, int slot)
			throws SQLException {
		boolean counted = slot >= 0;
		PreparedStatementSetter parameters = (statement) -> {
			int index = 1;
			for (TaskMessage message : rows) {
				statement.setString(index++, message.id());
				statement.setString(index++, message.queue());
				statement.setBytes(index++, message.body());
				statement.setLong(index++, delayMillis);
				this.dialect.setTime(statement, index++, message.enqueuedAt());
			}
			if (counted) {
				statement.setInt(index++, slot);
			}
			if (notifying()) {
				statement.setString(index, this.channel);
			}
		};
		if (counted) {
			query(connection, this.sql.insertCounted(rows.size(), notifying()), parameters, (rs, i) -> null);
		}
		else if (notifying()) {
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

	/**
	 * One reserve pass over {@code queues} in priority order; serving several, one read-only statement
	 * first finds those with a task now, so an idle or lightly used worker of 50 queues asks two
	 * statements, not 50.
	 */
	private List<Reservation> reserveOnce(List<String> queues, int max, Duration lease) {
		List<Reservation> reserved = new ArrayList<>(Math.min(max, 64));
		for (String queue : (queues.size() > 1) ? queuesWithWork(queues) : queues) {
			int wanted = max - reserved.size();
			if (wanted <= 0) {
				break;
			}
			reserved.addAll(this.dialect.reservesWithReturning() ? reserveReturning(queue, wanted, lease)
					: reserveSelectThenUpdate(queue, wanted, lease));
		}
		return reserved;
	}

	private List<String> queuesWithWork(List<String> queues) {
		String statementSql = this.queuesWithWorkSql.computeIfAbsent(queues.size(),
				(size) -> this.dialect.queuesWithWork(this.tasksTable, size));
		return withLockRetry("find the queues with tasks among " + queues,
				() -> this.transactions.statement((connection) -> query(connection, statementSql, (statement) -> {
					if (this.dialect.queuesWithWorkTakesArray()) {
						statement.setArray(1, connection.createArrayOf("text", queues.toArray()));
						return;
					}
					for (int i = 0; i < queues.size(); i++) {
						statement.setString(i + 1, queues.get(i));
					}
				}, (rs, i) -> queues.get(rs.getInt("pos")))));
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
						this.dialect.setTime(statement, 3, leaseDeadline);
						for (int i = 0; i < picked.size(); i++) {
							statement.setLong(4 + i, picked.get(i).seq());
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

	/** One statement on PostgreSQL (the delete and its count); elsewhere a transaction of the two. */
	@Override
	public boolean acknowledge(Reservation reservation) {
		String operation = "acknowledge task " + reservation.id();
		if (this.dialect.countsInStatement()) {
			int slot = JdbcCounts.slot();
			return withLockRetry(operation, () -> this.transactions.statement((connection) -> query(connection,
					this.sql.acknowledgeCounted, (statement) -> {
						fencing(reservation).setValues(statement);
						statement.setInt(3, slot);
					}, (rs, i) -> rs.getInt("acknowledged")).get(0) == 1));
		}
		return withLockRetry(operation, () -> this.transactions.transaction((connection) -> {
			boolean acknowledged = update(connection, this.sql.acknowledge, fencing(reservation)) == 1;
			if (acknowledged) {
				this.counts.add(connection, new JdbcCounts.Changes().add(reservation.queue(), -1, 0));
			}
			return acknowledged;
		}));
	}

	/**
	 * One commit for all of them, in id order: on PostgreSQL one statement (a {@code DELETE ... USING
	 * (VALUES ...)} and its count) per {@value #MAX_ROWS_PER_INSERT} reservations; elsewhere one transaction
	 * of a JDBC batch of the fenced deletes (one round trip where the JDBC driver pipelines batches, as
	 * PostgreSQL's and MariaDB's do) and the count.
	 */
	@Override
	public boolean[] acknowledgeAll(List<Reservation> reservations) {
		List<Integer> byId = new ArrayList<>(reservations.size());
		for (int i = 0; i < reservations.size(); i++) {
			byId.add(i);
		}
		byId.sort(Comparator.comparing((Integer i) -> reservations.get(i).id()));
		String operation = "acknowledge " + reservations.size() + " tasks";
		boolean[] acknowledged = new boolean[reservations.size()];
		if (reservations.isEmpty()) {
			return acknowledged;
		}
		if (this.dialect.countsInStatement()) {
			int slot = JdbcCounts.slot();
			List<List<Integer>> statements = new ArrayList<>();
			for (int start = 0; start < byId.size(); start += MAX_ROWS_PER_INSERT) {
				statements.add(byId.subList(start, Math.min(byId.size(), start + MAX_ROWS_PER_INSERT)));
			}
			JdbcTransactions.Work<Set<List<String>>> delete = (connection) -> {
				Set<List<String>> deleted = new HashSet<>();
				for (List<Integer> rows : statements) {
					deleted.addAll(query(connection, this.sql.acknowledgeAllCounted(rows.size()), (statement) -> {
						int index = 1;
						for (int i : rows) {
							statement.setString(index++, reservations.get(i).id());
							statement.setString(index++, reservations.get(i).leaseToken());
						}
						statement.setInt(index, slot);
					}, (rs, i) -> List.of(rs.getString("id"), rs.getString("lease_token"))));
				}
				return deleted;
			};
			Set<List<String>> deleted = withLockRetry(operation, () -> (statements.size() == 1)
					? this.transactions.statement(delete) : this.transactions.transaction(delete));
			for (int i = 0; i < acknowledged.length; i++) {
				acknowledged[i] = deleted.contains(List.of(reservations.get(i).id(), reservations.get(i).leaseToken()));
			}
			return acknowledged;
		}
		int[] counts = withLockRetry(operation, () -> this.transactions.transaction((connection) -> {
			int[] deleted;
			try (PreparedStatement statement = connection.prepareStatement(this.sql.acknowledge)) {
				for (int i : byId) {
					fencing(reservations.get(i)).setValues(statement);
					statement.addBatch();
				}
				deleted = statement.executeBatch();
			}
			JdbcCounts.Changes changes = new JdbcCounts.Changes();
			for (int i = 0; i < deleted.length; i++) {
				if (batchDeleted(deleted[i])) {
					changes.add(reservations.get(byId.get(i)).queue(), -1, 0);
				}
			}
			this.counts.add(connection, changes);
			return deleted;
		}));
		for (int i = 0; i < counts.length; i++) {
			acknowledged[byId.get(i)] = batchDeleted(counts[i]);
		}
		return acknowledged;
	}

	/**
	 * Whether a batched delete removed its row. A JDBC driver that cannot tell a row's count says
	 * SUCCESS_NO_INFO: taken as acknowledged (and counted as removed), so a lost lease then goes without its
	 * warning; the JDBC drivers of PostgreSQL, MariaDB and H2 tell, with their default settings.
	 */
	private static boolean batchDeleted(int count) {
		return count == 1 || count == Statement.SUCCESS_NO_INFO;
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
						JdbcCounts.Changes changes = new JdbcCounts.Changes().add(reservation.queue(), -1, 1);
						// a dead letter left by an earlier run of this id (in any queue) gives way to this one
						List<String> earlier = query(connection, this.sql.deadLetterOfId,
								(statement) -> statement.setString(1, reservation.id()), (rs, i) -> rs.getString("queue"));
						if (!earlier.isEmpty() && update(connection, this.sql.deadLetterDeleteById,
								(statement) -> statement.setString(1, reservation.id())) == 1) {
							changes.add(earlier.get(0), 0, -1);
						}
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
						this.counts.add(connection, changes);
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
				lease.toMillis(), lease.toMillis());
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

	/** The queue's totals and its rows past now (delayed and in flight), in one statement. */
	@Override
	public QueueCounts counts(String queue) {
		return withLockRetry("count queue '" + queue + "'",
				() -> this.transactions.statement((connection) -> query(connection, this.sql.countQueue, (statement) -> {
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
						}, (rs, i) -> deadLetterRow(rs, queue))));
	}

	/** One row of the dead letters of {@code queue}. */
	private DeadLetter deadLetterRow(ResultSet rs, String queue) throws SQLException {
		byte[] body = rs.getBytes("body");
		TaskMessage message = new TaskMessage(rs.getString("id"), queue, (body != null) ? body : new byte[0],
				this.dialect.getTime(rs, "enqueued_at"));
		DeadLetter.Failure failure = new DeadLetter.Failure(rs.getString("reason"), rs.getString("error_class"),
				rs.getString("error_message"), rs.getString("stack_trace"));
		return new DeadLetter(message, rs.getInt("attempts"), failure, this.dialect.getTime(rs, "dead_lettered_at"));
	}

	/**
	 * The task's row of the tasks table (its state from its lease and due time, on the database clock), else
	 * its dead letter: two reads by key in one unit of work.
	 */
	@Override
	public Optional<StoredTask> find(String queue, String taskId) {
		PreparedStatementSetter byQueueAndId = (statement) -> {
			statement.setString(1, queue);
			statement.setString(2, taskId);
		};
		return withLockRetry("find task " + taskId + " in queue '" + queue + "'",
				() -> this.transactions.statement((connection) -> {
					List<StoredTask> tasks = query(connection, this.sql.findTask, byQueueAndId, (rs, i) -> {
						byte[] body = rs.getBytes("body");
						TaskMessage message = new TaskMessage(taskId, queue, (body != null) ? body : new byte[0],
								this.dialect.getTime(rs, "enqueued_at"));
						int attempts = Math.max(0, rs.getInt("attempts"));
						return switch (rs.getString("state")) {
							case "I" -> new StoredTask(message, StoredTask.State.IN_FLIGHT, attempts,
									this.dialect.getTime(rs, "lease_until"), null);
							case "D" -> new StoredTask(message, StoredTask.State.DELAYED, attempts,
									this.dialect.getTime(rs, "available_at"), null);
							default -> new StoredTask(message, StoredTask.State.READY, attempts, null, null);
						};
					});
					if (!tasks.isEmpty()) {
						return Optional.of(tasks.get(0));
					}
					List<DeadLetter> dead = query(connection, this.sql.findDeadLetter, byQueueAndId,
							(rs, i) -> deadLetterRow(rs, queue));
					return dead.isEmpty() ? Optional.<StoredTask>empty()
							: Optional.of(new StoredTask(dead.get(0).message(), StoredTask.State.DEAD_LETTERED,
									dead.get(0).attempts(), null, dead.get(0)));
				}));
	}

	@Override
	public boolean canFind() {
		return true;
	}

	// ------------------------------------------------------------------ results

	/**
	 * Upserts the task's row of {@code <prefix>results} ({@link TaskResultJson}, expiring after {@code ttl} on
	 * the database clock); at most once a minute, the recording then deletes expired rows, a bounded number of
	 * chunks of {@value #RESULT_PURGE_CHUNK}, a failure of which is only logged.
	 */
	@Override
	public void recordResult(TaskResult result, Duration ttl) {
		String json = TaskResultJson.write(result);
		String operation = "record the result of task " + result.taskId();
		PreparedStatementSetter parameters = (statement) -> {
			statement.setString(1, result.taskId());
			statement.setString(2, json);
			statement.setLong(3, ttl.toMillis());
		};
		try {
			withLockRetry(operation,
					() -> this.transactions.statement((connection) -> update(connection, this.sql.recordResult, parameters)));
		}
		catch (DriverException ex) {
			if (!isDuplicateKey(ex)) {
				throw ex;
			}
			// H2: another recording inserted the row first; now it is there to update
			withLockRetry(operation,
					() -> this.transactions.statement((connection) -> update(connection, this.sql.recordResult, parameters)));
		}
		long now = System.nanoTime();
		long last = this.lastResultPurge.get();
		if (now - last > RESULT_PURGE_INTERVAL_NANOS && this.lastResultPurge.compareAndSet(last, now)) {
			try {
				purgeExpiredResults(RESULT_PURGE_MAX_CHUNKS);
			}
			catch (DriverException ex) {
				logger.warn("AsyncTasQ JDBC driver: deleting expired task results failed; they are ignored and deleted "
						+ "later: {}", ex.getMessage());
			}
		}
	}

	@Override
	public Optional<TaskResult> result(String taskId) {
		List<String> stored = withLockRetry("read the result of task " + taskId,
				() -> this.transactions.statement((connection) -> query(connection, this.sql.result,
						(statement) -> statement.setString(1, taskId), (rs, i) -> rs.getString("result"))));
		if (stored.isEmpty() || stored.get(0) == null) {
			return Optional.empty();
		}
		try {
			return Optional.of(TaskResultJson.read(stored.get(0)));
		}
		catch (IllegalArgumentException ex) {
			throw new DriverException("AsyncTasQ JDBC driver: the result of task " + taskId + " is unreadable: "
					+ ex.getMessage(), ex);
		}
	}

	@Override
	public boolean storesResults() {
		return true;
	}

	/**
	 * Deletes every expired result, {@value #RESULT_PURGE_CHUNK} rows per statement (each its own unit of work);
	 * returns how many. Recordings run this now and then on their own.
	 */
	public long purgeExpiredResults() {
		return purgeExpiredResults(Integer.MAX_VALUE);
	}

	private long purgeExpiredResults(int maxChunks) {
		long purged = 0;
		for (int chunk = 0; chunk < maxChunks; chunk++) {
			int deleted = withLockRetry("delete expired task results",
					() -> this.transactions.statement((connection) -> update(connection, this.sql.purgeExpiredResults,
							(statement) -> {
							})));
			purged += deleted;
			if (deleted < RESULT_PURGE_CHUNK) {
				break;
			}
		}
		return purged;
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
						this.counts.add(connection, new JdbcCounts.Changes().add(queue, 1, -1));
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
	public boolean deleteDeadLetter(String queue, String taskId) {
		return withLockRetry("delete dead letter " + taskId + " of queue '" + queue + "'",
				() -> this.transactions.transaction((connection) -> {
					int deleted = update(connection, this.sql.deadLetterDeleteOne, (statement) -> {
						statement.setString(1, queue);
						statement.setString(2, taskId);
					});
					if (deleted > 0) {
						this.counts.add(connection, new JdbcCounts.Changes().add(queue, 0, -deleted));
					}
					return deleted > 0;
				}));
	}

	@Override
	public long purgeDeadLetters(String queue) {
		return withLockRetry("purge the dead letters of queue '" + queue + "'",
				() -> this.transactions.transaction((connection) -> {
					long purged = update(connection, this.sql.purgeDeadLetters, (statement) -> statement.setString(1, queue));
					this.counts.add(connection, new JdbcCounts.Changes().add(queue, 0, -purged));
					return purged;
				}));
	}

	/**
	 * Deletes the queue's dead letters past the retention on the database clock, one statement and unit of work
	 * (with the queue totals) per chunk of the {@value #DEAD_LETTER_EXPIRY_CHUNK} oldest, until a chunk deletes
	 * fewer or {@code max} are deleted.
	 */
	@Override
	public long expireDeadLetters(String queue, Duration retention, int max) {
		long expired = 0;
		while (expired < max) {
			int chunk = (int) Math.min(DEAD_LETTER_EXPIRY_CHUNK, max - expired);
			int deleted = withLockRetry("expire the dead letters of queue '" + queue + "'",
					() -> this.transactions.transaction((connection) -> {
						int count = update(connection, this.sql.expireDeadLetters, (statement) -> {
							statement.setString(1, queue);
							statement.setInt(2, chunk);
							statement.setLong(3, -retention.toMillis());
						});
						if (count > 0) {
							this.counts.add(connection, new JdbcCounts.Changes().add(queue, 0, -count));
						}
						return count;
					}));
			expired += deleted;
			if (deleted < chunk) {
				break;
			}
		}
		return expired;
	}

	/**
	 * Upserts the worker's row, expiring at the database clock plus {@code ttl}; at most once per {@code ttl}
	 * a beat of this driver also deletes the rows that expired (a failure of that only logged).
	 */
	@Override
	public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		String json = HeartbeatJson.toJson(heartbeat);
		withLockRetry("record the heartbeat of worker " + heartbeat.workerId(),
				() -> this.transactions.statement((connection) -> update(connection, this.sql.beat, (statement) -> {
					statement.setString(1, heartbeat.workerId());
					statement.setString(2, json);
					statement.setLong(3, Math.max(1, ttl.toMillis()));
				})));
		long now = System.nanoTime();
		long due = this.nextWorkerPrune.get();
		if (now - due >= 0 && this.nextWorkerPrune.compareAndSet(due, now + ttl.toNanos())) {
			try {
				this.transactions.statement((connection) -> update(connection, this.sql.pruneWorkers, (statement) -> {
				}));
			}
			catch (SQLException | DataAccessException ex) {
				logger.debug("AsyncTasQ JDBC driver: could not delete the expired worker heartbeats: {}",
						ex.getMessage());
			}
		}
	}

	@Override
	public void removeWorker(String workerId) {
		withLockRetry("remove the heartbeat of worker " + workerId, () -> this.transactions.statement(
				(connection) -> update(connection, this.sql.removeWorker, (statement) -> statement.setString(1, workerId))));
	}

	/** The rows that have not expired, by worker id; an unreadable heartbeat is skipped. */
	@Override
	public List<WorkerHeartbeat> workers() {
		List<String[]> rows = withLockRetry("list the workers", () -> this.transactions.statement(
				(connection) -> query(connection, this.sql.workers, (statement) -> {
				}, (rs, i) -> new String[] { rs.getString("worker_id"), rs.getString("heartbeat") })));
		List<WorkerHeartbeat> workers = new ArrayList<>(rows.size());
		for (String[] row : rows) {
			HeartbeatJson.read(row[1], "of worker " + row[0] + " in table " + this.options.tablePrefix() + "workers")
				.ifPresent(workers::add);
		}
		workers.sort(Comparator.comparing(WorkerHeartbeat::workerId));
		return workers;
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

	/**
	 * H2's {@code MERGE} is not atomic: two transactions writing a queue's new slot row of the totals at
	 * once can both insert it, and the later one fails on the key; run again, it finds the row and adds.
	 */
	private static boolean isFirstCountRace(SQLException sql) {
		String message = sql.getMessage();
		return sql.getErrorCode() == 23505 && message != null
				&& message.toUpperCase(java.util.Locale.ROOT).contains("QUEUE_COUNTS");
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
					|| code == 1205 || code == 50200 || isFirstCountRace(sql);
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

		private final String counts;

		private final String insertCountedOne;

		private final String insertCountedAndNotifiedOne;

		final String acknowledgeCounted;

		final String reserveReturning;

		final String reserveSelect;

		final String acknowledge;

		final String retry;

		final String release;

		final String postpone;

		final String extendLease;

		final String deadLetterOfId;

		final String deadLetterDeleteById;

		final String deadLetterCopy;

		final String deadLetterDelete;

		final String deadLetterRequeue;

		final String deadLetterDeleteOne;

		final String purgeDeadLetters;

		final String expireDeadLetters;

		final String deadLetters;

		final String countQueue;

		final String ping;

		final String findTask;

		final String findDeadLetter;

		final String recordResult;

		final String result;

		final String purgeExpiredResults;

		final String beat;

		final String removeWorker;

		final String workers;

		final String pruneWorkers;

		Statements(JdbcDialect dialect, String tasks, String dead, String counts, String results,
				String workers) {
			this.dialect = dialect;
			this.tasks = tasks;
			this.counts = counts;
			this.insertOne = dialect.insert(tasks, 1);
			this.insertAndNotifyOne = dialect.supportsNotifications() ? dialect.insertAndNotify(tasks, 1) : null;
			boolean countsInStatement = dialect.countsInStatement();
			this.insertCountedOne = countsInStatement ? dialect.insertCounted(tasks, counts, 1, false) : null;
			this.insertCountedAndNotifiedOne = (countsInStatement && dialect.supportsNotifications())
					? dialect.insertCounted(tasks, counts, 1, true) : null;
			this.acknowledgeCounted = countsInStatement ? dialect.acknowledgeCounted(tasks, counts) : null;
			this.reserveReturning = dialect.reservesWithReturning() ? dialect.reserveReturning(tasks) : null;
			this.reserveSelect = dialect.reserveSelect(tasks);
			this.acknowledge = dialect.acknowledge(tasks);
			this.retry = dialect.retry(tasks);
			this.release = dialect.release(tasks);
			this.postpone = dialect.postpone(tasks);
			this.extendLease = dialect.extendLease(tasks);
			this.deadLetterOfId = dialect.deadLetterOfId(dead);
			this.deadLetterDeleteById = dialect.deadLetterDeleteById(dead);
			this.deadLetterCopy = dialect.deadLetterCopy(tasks, dead);
			this.deadLetterDelete = dialect.deadLetterDelete(tasks);
			this.deadLetterRequeue = dialect.deadLetterRequeue(tasks, dead);
			this.deadLetterDeleteOne = dialect.deadLetterDeleteOne(dead);
			this.purgeDeadLetters = dialect.purgeDeadLetters(dead);
			this.expireDeadLetters = dialect.expireDeadLetters(dead);
			this.deadLetters = dialect.deadLetters(dead);
			this.countQueue = dialect.counts(tasks, counts);
			this.ping = dialect.ping();
			this.findTask = dialect.findTask(tasks);
			this.findDeadLetter = dialect.findDeadLetter(dead);
			this.recordResult = dialect.recordResult(results);
			this.result = dialect.result(results);
			this.purgeExpiredResults = dialect.purgeExpiredResults(results, RESULT_PURGE_CHUNK);
			this.beat = dialect.beat(workers);
			this.removeWorker = dialect.removeWorker(workers);
			this.workers = dialect.workers(workers);
			this.pruneWorkers = dialect.pruneWorkers(workers);
		}

		String insertCounted(int rows, boolean notify) {
			if (rows == 1) {
				return notify ? this.insertCountedAndNotifiedOne : this.insertCountedOne;
			}
			return this.dialect.insertCounted(this.tasks, this.counts, rows, notify);
		}

		String acknowledgeAllCounted(int rows) {
			return this.dialect.acknowledgeAllCounted(this.tasks, this.counts, rows);
		}

		String insert(int rows) {
			return (rows == 1) ? this.insertOne : this.dialect.insert(this.tasks, rows);
		}

		String insertAndNotify(int rows) {
			return (rows == 1) ? this.insertAndNotifyOne : this.dialect.insertAndNotify(this.tasks, rows);
		}

	}

}
