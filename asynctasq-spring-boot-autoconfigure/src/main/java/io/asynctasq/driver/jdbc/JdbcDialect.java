package io.asynctasq.driver.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

import io.asynctasq.driver.Reservation;

/**
 * Every SQL statement of the JDBC driver, per database, in one place: written once with placeholders each
 * dialect fills in ({@code {tasks}}, {@code {dead}}, {@code {counts}}, {@code {results}}, {@code {workers}},
 * {@code {now}}, {@code {now+ms}}, {@code {attempts+1}}, {@code {attempts-1}}), and what differs beyond that
 * spelled out per constant.
 * Design notes, including how each database reserves a batch and keeps the queue totals: {@code docs/jdbc.md}.
 */
public enum JdbcDialect {

	/**
	 * PostgreSQL 12+ (pgjdbc). Reserve is one {@code UPDATE ... RETURNING}; enqueue notifies waiting workers
	 * in the same statement; enqueue and acknowledge add to the queue totals in the same statement too
	 * (data-modifying {@code WITH}), so each stays one round trip in autocommit.
	 */
	POSTGRESQL("postgresql", "CURRENT_TIMESTAMP", "(CURRENT_TIMESTAMP + CAST(? AS BIGINT) * INTERVAL '1 millisecond')") {

		@Override
		boolean reservesWithReturning() {
			return true;
		}

		@Override
		boolean supportsNotifications() {
			return true;
		}

		@Override
		boolean countsInStatement() {
			return true;
		}

		/**
		 * One {@code EXISTS} over an array of the queues: PostgreSQL plans a union of 50 in about 3 ms, this
		 * in 0.2 ms. Parameter: the queues as a {@code text[]}.
		 */
		@Override
		String queuesWithWork(String tasksTable, int queues) {
			return resolve("""
					SELECT served.pos - 1 AS pos FROM unnest(?::text[]) WITH ORDINALITY AS served(queue, pos)
					WHERE EXISTS (SELECT 1 FROM {tasks} t WHERE t.queue = served.queue AND t.available_at <= {now}
					              AND (t.lease_until IS NULL OR t.lease_until <= {now}))
					ORDER BY served.pos""", tasksTable, null);
		}

		@Override
		boolean queuesWithWorkTakesArray() {
			return true;
		}

		@Override
		String reserveReturning(String tasksTable) {
			return resolve("""
					UPDATE {tasks} t
					SET attempts = {attempts+1}, lease_token = ?, lease_until = picked.deadline,
					    available_at = picked.deadline
					FROM (SELECT seq, attempts AS attempts_made, available_at AS was_available_at, {now+ms} AS deadline
					      FROM {tasks}
					      WHERE queue = ? AND available_at <= {now} AND (lease_until IS NULL OR lease_until <= {now})
					      ORDER BY available_at, seq
					      LIMIT ?
					      FOR UPDATE SKIP LOCKED) picked
					WHERE t.seq = picked.seq
					RETURNING t.seq, t.id, t.body, picked.attempts_made, t.enqueued_at, t.lease_until,
					          picked.was_available_at AS available_at
					""", tasksTable, null);
		}

		@Override
		String insertAndNotify(String tasksTable, int rows) {
			return "WITH inserted AS (" + insert(tasksTable, rows) + " RETURNING queue)\n"
					+ "SELECT pg_notify(?, queue) FROM (SELECT DISTINCT queue FROM inserted) queues";
		}

		@Override
		String insertCounted(String tasksTable, String countsTable, int rows, boolean notify) {
			String counted = "WITH inserted AS (" + insert(tasksTable, rows) + " RETURNING queue),\n"
					+ addFrom("inserted", "COUNT(*)", "0", countsTable);
			return counted + (notify ? ",\nnotified AS (SELECT pg_notify(?, queue) FROM (SELECT DISTINCT queue FROM inserted) queues)\n"
					+ "SELECT COUNT(*) FROM notified" : "\nSELECT 1");
		}

		@Override
		String acknowledgeCounted(String tasksTable, String countsTable) {
			return resolve("WITH deleted AS (DELETE FROM {tasks} WHERE id = ? AND lease_token = ? RETURNING queue),\n"
					+ addFrom("deleted", "-COUNT(*)", "0", countsTable) + "\nSELECT COUNT(*) AS acknowledged FROM deleted",
					tasksTable, null);
		}

		@Override
		String acknowledgeAllCounted(String tasksTable, String countsTable, int rows) {
			return resolve("WITH deleted AS (DELETE FROM {tasks} t USING (VALUES "
					+ repeat("(CAST(? AS VARCHAR), CAST(? AS VARCHAR))", rows) + ") AS acked (id, lease_token)\n"
					+ "    WHERE t.id = acked.id AND t.lease_token = acked.lease_token RETURNING t.id, t.lease_token, t.queue),\n"
					+ addFrom("deleted", "-COUNT(*)", "0", countsTable) + "\nSELECT id, lease_token FROM deleted",
					tasksTable, null);
		}

		/**
		 * A {@code WITH} element adding {@code tasks} and {@code deadLetters} (aggregates over the rows of
		 * {@code source}, grouped by queue) to one slot, bound as the next parameter, in queue order.
		 */
		private String addFrom(String source, String tasks, String deadLetters, String countsTable) {
			return resolve("counted AS (INSERT INTO {counts} AS c (queue, slot, tasks, dead_letters)\n"
					+ "    SELECT queue, CAST(? AS SMALLINT), " + tasks + ", " + deadLetters + " FROM " + source
					+ " GROUP BY queue ORDER BY queue\n"
					+ "    ON CONFLICT (queue, slot) DO UPDATE SET tasks = c.tasks + EXCLUDED.tasks,"
					+ " dead_letters = c.dead_letters + EXCLUDED.dead_letters)", null, null, countsTable);
		}

		@Override
		String addCounts(String countsTable, int rows) {
			return resolve("INSERT INTO {counts} AS c (queue, slot, tasks, dead_letters) VALUES "
					+ repeat("(?, ?, ?, ?)", rows) + "\nON CONFLICT (queue, slot) DO UPDATE SET tasks = c.tasks + "
					+ "EXCLUDED.tasks, dead_letters = c.dead_letters + EXCLUDED.dead_letters", null, null, countsTable);
		}

		@Override
		String recordResult(String resultsTable) {
			return results("INSERT INTO {results} (task_id, result, expires_at) VALUES (?, ?, {now+ms})\n"
					+ "ON CONFLICT (task_id) DO UPDATE SET result = EXCLUDED.result, expires_at = EXCLUDED.expires_at",
					resultsTable);
		}

		@Override
		void setTime(PreparedStatement statement, int index, Instant time) throws SQLException {
			statement.setObject(index, time.atOffset(ZoneOffset.UTC));
		}

		@Override
		Instant getTime(ResultSet rs, String column) throws SQLException {
			OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
			return (value != null) ? value.toInstant() : null;
		}

	},

	/**
	 * MariaDB 10.6+ and MySQL 8.0+ (InnoDB). Times are {@code DATETIME(6)} in UTC. Reserve is
	 * {@code SELECT ... FOR UPDATE SKIP LOCKED} then {@code UPDATE} in one READ COMMITTED transaction.
	 */
	MARIADB("mariadb", "UTC_TIMESTAMP(6)", "(UTC_TIMESTAMP(6) + INTERVAL (? * 1000) MICROSECOND)") {

		@Override
		boolean readCommitted() {
			return true;
		}

		@Override
		String addCounts(String countsTable, int rows) {
			// VALUES(column) is deprecated on MySQL 8.0.20+ (a warning) and the only form MariaDB knows
			return resolve("INSERT INTO {counts} (queue, slot, tasks, dead_letters) VALUES " + repeat("(?, ?, ?, ?)", rows)
					+ " ON DUPLICATE KEY UPDATE tasks = tasks + VALUES(tasks), dead_letters = dead_letters + VALUES(dead_letters)",
					null, null, countsTable);
		}

		@Override
		String recordResult(String resultsTable) {
			return results("INSERT INTO {results} (task_id, result, expires_at) VALUES (?, ?, {now+ms})\n"
					+ "ON DUPLICATE KEY UPDATE result = VALUES(result), expires_at = VALUES(expires_at)", resultsTable);
		}

		/** MariaDB refuses a LIMIT in an IN subquery, and takes one on DELETE. */
		@Override
		String purgeExpiredResults(String resultsTable, int limit) {
			return results("DELETE FROM {results} WHERE expires_at <= {now} LIMIT " + limit, resultsTable);
		}

		@Override
		String beat(String workersTable) {
			return resolve("INSERT INTO " + workersTable + " (worker_id, heartbeat, expires_at) VALUES (?, ?, {now+ms}) "
					+ "ON DUPLICATE KEY UPDATE heartbeat = VALUES(heartbeat), expires_at = VALUES(expires_at)", null, null);
		}

		@Override
		void setTime(PreparedStatement statement, int index, Instant time) throws SQLException {
			statement.setObject(index, LocalDateTime.ofInstant(time, ZoneOffset.UTC));
		}

		@Override
		Instant getTime(ResultSet rs, String column) throws SQLException {
			LocalDateTime value = rs.getObject(column, LocalDateTime.class);
			return (value != null) ? value.toInstant(ZoneOffset.UTC) : null;
		}

	},

	/** H2 2.2+, embedded; the PostgreSQL layout with the MariaDB reserve shape. */
	H2("h2", "CURRENT_TIMESTAMP(6)", "DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP(6))") {

		@Override
		String addCounts(String countsTable, int rows) {
			return resolve("MERGE INTO {counts} c USING (VALUES "
					+ repeat("(CAST(? AS VARCHAR(80)), CAST(? AS SMALLINT), CAST(? AS BIGINT), CAST(? AS BIGINT))", rows)
					+ ") AS d (queue, slot, tasks, dead_letters) ON c.queue = d.queue AND c.slot = d.slot\n"
					+ "WHEN MATCHED THEN UPDATE SET tasks = c.tasks + d.tasks, dead_letters = c.dead_letters + d.dead_letters\n"
					+ "WHEN NOT MATCHED THEN INSERT (queue, slot, tasks, dead_letters) "
					+ "VALUES (d.queue, d.slot, d.tasks, d.dead_letters)", null, null, countsTable);
		}

		/** H2's MERGE by key: a concurrent first insert of the same id fails on the key (the driver runs it again). */
		@Override
		String recordResult(String resultsTable) {
			return results("MERGE INTO {results} (task_id, result, expires_at) KEY (task_id) VALUES (?, ?, {now+ms})",
					resultsTable);
		}

		@Override
		String beat(String workersTable) {
			return resolve("MERGE INTO " + workersTable + " (worker_id, heartbeat, expires_at) KEY (worker_id) "
					+ "VALUES (?, ?, {now+ms})", null, null);
		}

		@Override
		void setTime(PreparedStatement statement, int index, Instant time) throws SQLException {
			statement.setObject(index, time.atOffset(ZoneOffset.UTC));
		}

		@Override
		Instant getTime(ResultSet rs, String column) throws SQLException {
			OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
			return (value != null) ? value.toInstant() : null;
		}

	};

	private final String scriptName;

	private final String now;

	private final String nowPlusMillis;

	JdbcDialect(String scriptName, String now, String nowPlusMillis) {
		this.scriptName = scriptName;
		this.now = now;
		this.nowPlusMillis = nowPlusMillis;
	}

	/**
	 * The dialect of the database behind {@code connection}.
	 * @throws IllegalStateException for an unsupported database or version, naming what is supported
	 */
	public static JdbcDialect detect(Connection connection) throws SQLException {
		DatabaseMetaData metaData = connection.getMetaData();
		String product = metaData.getDatabaseProductName();
		String version = metaData.getDatabaseProductVersion();
		int major = metaData.getDatabaseMajorVersion();
		int minor = metaData.getDatabaseMinorVersion();
		String name = (product != null) ? product.toLowerCase(Locale.ROOT) : "";
		if (name.contains("postgresql")) {
			requireVersion(major >= 12, product, version, "PostgreSQL 12");
			return POSTGRESQL;
		}
		if (name.contains("mariadb") || (version != null && version.toLowerCase(Locale.ROOT).contains("mariadb"))) {
			// MySQL Connector/J reports a MariaDB 10.11 server as "5.5.5-10.11.x-MariaDB"
			java.util.regex.Matcher parsed = java.util.regex.Pattern.compile("(?:5\\.5\\.5-)?(\\d+)\\.(\\d+)")
				.matcher((version != null) ? version : "");
			if (parsed.lookingAt()) {
				major = Integer.parseInt(parsed.group(1));
				minor = Integer.parseInt(parsed.group(2));
			}
			requireVersion(major > 10 || (major == 10 && minor >= 6), product, version, "MariaDB 10.6");
			return MARIADB;
		}
		if (name.contains("mysql")) {
			requireVersion(major >= 8, product, version, "MySQL 8.0");
			return MARIADB;
		}
		if (name.equals("h2")) {
			requireVersion(major > 2 || (major == 2 && minor >= 2), product, version, "H2 2.2");
			return H2;
		}
		throw new IllegalStateException("The AsyncTasQ JDBC driver does not support " + product + " " + version
				+ ": use PostgreSQL 12+, MySQL 8.0+, MariaDB 10.6+ or H2 2.2+");
	}

	private static void requireVersion(boolean supported, String product, String version, String minimum) {
		if (!supported) {
			throw new IllegalStateException("The AsyncTasQ JDBC driver needs " + minimum + " or later (FOR UPDATE "
					+ "SKIP LOCKED); the database is " + product + " " + version);
		}
	}

	/** Classpath location of this dialect's DDL script (tables named with the default prefix). */
	public String schemaLocation() {
		return "classpath:io/asynctasq/driver/jdbc/schema-" + this.scriptName + ".sql";
	}

	// ------------------------------------------------------------------ what differs per dialect

	/** Whether reserve is one {@code UPDATE ... RETURNING} statement ({@link #reserveReturning}). */
	boolean reservesWithReturning() {
		return false;
	}

	/** Whether the driver's own transactions run at READ COMMITTED (InnoDB: no gap locks on reserve). */
	boolean readCommitted() {
		return false;
	}

	/**
	 * The first statement of a transaction the driver starts when it runs at {@link #readCommitted()}:
	 * sets the isolation of this transaction only, so nothing has to be read beforehand nor reset after
	 * (a JDBC {@code setTransactionIsolation} costs three round trips per transaction on MariaDB
	 * Connector/J: read the session's level, set it, set it back).
	 */
	String readCommittedTransaction() {
		return "SET TRANSACTION ISOLATION LEVEL READ COMMITTED";
	}

	/** Whether enqueue can wake workers of other processes ({@link #insertAndNotify}). */
	boolean supportsNotifications() {
		return false;
	}

	/**
	 * Whether an enqueue or an acknowledgement adds to the queue totals in its own statement
	 * ({@link #insertCounted}, {@link #acknowledgeCounted}, {@link #acknowledgeAllCounted}); otherwise the
	 * driver runs {@link #addCounts} after it, in the same transaction.
	 */
	boolean countsInStatement() {
		return false;
	}

	/**
	 * Adds to the totals of {@code rows} queues, one statement: an upsert of one slot row per queue, in the
	 * order given. Parameters, per row: queue, slot, tasks to add, dead letters to add.
	 */
	abstract String addCounts(String countsTable, int rows);

	/**
	 * {@link #insert} that adds what it inserted to the totals, and (with {@code notify}) notifies each queue
	 * it inserted into. Parameters: those of {@link #insert}, the slot, then (with {@code notify}) the
	 * channel. A query: its one row is of no interest.
	 */
	String insertCounted(String tasksTable, String countsTable, int rows, boolean notify) {
		throw new UnsupportedOperationException(name() + " adds to the queue totals in a statement of its own");
	}

	/** {@link #acknowledge} that subtracts from the totals. Parameters: id, lease token, slot. Returns acknowledged (0 or 1). */
	String acknowledgeCounted(String tasksTable, String countsTable) {
		throw new UnsupportedOperationException(name() + " adds to the queue totals in a statement of its own");
	}

	/**
	 * Acknowledges {@code rows} reservations and subtracts them from the totals, one statement. Parameters:
	 * id and lease token of each, then the slot. Returns the id and lease token of each row it deleted.
	 */
	String acknowledgeAllCounted(String tasksTable, String countsTable, int rows) {
		throw new UnsupportedOperationException(name() + " adds to the queue totals in a statement of its own");
	}

	/**
	 * One-statement reserve. Parameters: lease token, lease millis, queue, limit. Returns seq, id, body,
	 * attempts_made (the counter before this reservation), enqueued_at, lease_until, available_at.
	 */
	String reserveReturning(String tasksTable) {
		throw new UnsupportedOperationException(name() + " reserves with SELECT ... FOR UPDATE then UPDATE");
	}

	/**
	 * Records a task's result, replacing an earlier one of the same task (an upsert). Parameters: task id, the
	 * result's JSON, ttl millis.
	 */
	abstract String recordResult(String resultsTable);

	abstract void setTime(PreparedStatement statement, int index, Instant time) throws SQLException;

	abstract Instant getTime(ResultSet rs, String column) throws SQLException;

	// ------------------------------------------------------------------ statements shared by every dialect

	/**
	 * Inserts {@code rows} tasks in one statement (multi-row {@code VALUES}, whatever the URL's batch
	 * settings). Parameters, per row: id, queue, body, delay millis, enqueued_at.
	 */
	String insert(String tasksTable, int rows) {
		return resolve("INSERT INTO {tasks} (id, queue, body, attempts, available_at, enqueued_at) VALUES "
				+ repeat("(?, ?, ?, 0, {now+ms}, ?)", rows), tasksTable, null);
	}

	/**
	 * {@link #insert} and the notification of each queue it inserted into, in one statement, so an
	 * enqueue outside a transaction is a single round trip in autocommit (the notification is delivered
	 * when the statement's transaction commits). Parameters: those of {@link #insert}, then the channel.
	 */
	String insertAndNotify(String tasksTable, int rows) {
		throw new UnsupportedOperationException(name() + " has no notifications");
	}

	/** Whether {@link #queuesWithWork} takes the queues as one array parameter rather than one each. */
	boolean queuesWithWorkTakesArray() {
		return false;
	}

	/**
	 * Which of {@code queues} queues have a task to reserve now, for a worker serving several: one
	 * {@code EXISTS} per queue on the head of its reserve index, read only, so a reserve over 50 queues
	 * asks one statement and then only the queues with work. Parameters: each queue. Returns pos (the
	 * queue's 0-based place), in order.
	 */
	String queuesWithWork(String tasksTable, int queues) {
		StringBuilder union = new StringBuilder();
		for (int i = 0; i < queues; i++) {
			union.append((i > 0) ? " UNION ALL " : "")
				.append("SELECT ").append(i).append(" AS pos FROM (SELECT 1 AS one) one_row WHERE EXISTS (SELECT 1 FROM {tasks} ")
				.append("WHERE queue = ? AND available_at <= {now} AND (lease_until IS NULL OR lease_until <= {now}))");
		}
		return resolve("SELECT pos FROM (" + union + ") with_work ORDER BY pos", tasksTable, null);
	}

	/**
	 * First half of the two-statement reserve. Parameters: queue, limit. Returns seq, id, body,
	 * attempts_made, enqueued_at, available_at, db_now.
	 */
	String reserveSelect(String tasksTable) {
		return resolve("""
				SELECT seq, id, body, attempts AS attempts_made, enqueued_at, available_at, {now} AS db_now
				FROM {tasks}
				WHERE queue = ? AND available_at <= {now} AND (lease_until IS NULL OR lease_until <= {now})
				ORDER BY available_at, seq
				LIMIT ?
				FOR UPDATE SKIP LOCKED""", tasksTable, null);
	}

	/**
	 * Second half of the two-statement reserve: the lease deadline goes into available_at too, which moves the
	 * row past now in the reserve index (in flight). Parameters: lease token, lease deadline, lease deadline
	 * again, then each seq.
	 */
	String reserveUpdate(String tasksTable, int rows) {
		return resolve("UPDATE {tasks} SET attempts = {attempts+1}, lease_token = ?, lease_until = ?, available_at = ? "
				+ "WHERE seq IN (" + "?, ".repeat(rows - 1) + "?)", tasksTable, null);
	}

	/** Parameters: id, lease token. */
	String acknowledge(String tasksTable) {
		return resolve("DELETE FROM {tasks} WHERE id = ? AND lease_token = ?", tasksTable, null);
	}

	/** Parameters: delay millis, id, lease token. */
	String retry(String tasksTable) {
		return resolve("UPDATE {tasks} SET available_at = {now+ms}, lease_token = NULL, lease_until = NULL "
				+ "WHERE id = ? AND lease_token = ?", tasksTable, null);
	}

	/**
	 * Parameters: id, lease token. The task goes back to the front: {@code available_at} becomes its enqueue
	 * time (earlier than its place before the reservation, which reserve overwrote with the lease deadline;
	 * now when the enqueue time is missing or ahead of the database clock).
	 */
	String release(String tasksTable) {
		return resolve("UPDATE {tasks} SET attempts = {attempts-1}, lease_token = NULL, lease_until = NULL, "
				+ "available_at = CASE WHEN enqueued_at < {now} THEN enqueued_at ELSE {now} END "
				+ "WHERE id = ? AND lease_token = ?", tasksTable, null);
	}

	/**
	 * Parameters: delay millis, id, lease token. Like {@link #release}, but visible again only after the
	 * delay, at its place by {@code available_at} (not at the front).
	 */
	String postpone(String tasksTable) {
		return resolve("UPDATE {tasks} SET attempts = {attempts-1}, available_at = {now+ms}, lease_token = NULL, "
				+ "lease_until = NULL WHERE id = ? AND lease_token = ?", tasksTable, null);
	}

	/** Parameters: lease millis, lease millis again (available_at follows the deadline), id, lease token. */
	String extendLease(String tasksTable) {
		return resolve("UPDATE {tasks} SET lease_until = {now+ms}, available_at = {now+ms} WHERE id = ? AND lease_token = ?",
				tasksTable, null);
	}

	/** Reads the new lease deadline. Parameters: id, lease token. */
	String leaseDeadline(String tasksTable) {
		return resolve("SELECT lease_until FROM {tasks} WHERE id = ? AND lease_token = ?", tasksTable, null);
	}

	/**
	 * First step of dead-lettering: finds and locks an earlier dead letter of the same task id (the dead
	 * letters' unique key), which the new one replaces. Parameters: id. Returns its queue.
	 */
	String deadLetterOfId(String deadTable) {
		return resolve("SELECT queue FROM {dead} WHERE id = ? FOR UPDATE", null, deadTable);
	}

	/** Removes the dead letter {@link #deadLetterOfId} found. Parameters: id. */
	String deadLetterDeleteById(String deadTable) {
		return resolve("DELETE FROM {dead} WHERE id = ?", null, deadTable);
	}

	/**
	 * Second step of dead-lettering: copies the leased row, a missing body or enqueue time (a row not
	 * written by the driver) stored as empty and now. Parameters: empty body, reason, error class, error
	 * message, stack trace, id, lease token.
	 */
	String deadLetterCopy(String tasksTable, String deadTable) {
		return resolve("""
				INSERT INTO {dead} (id, queue, body, attempts, reason, error_class, error_message, stack_trace,
				                    enqueued_at, dead_lettered_at)
				SELECT id, queue, COALESCE(body, ?), COALESCE(attempts, 0), ?, ?, ?, ?, COALESCE(enqueued_at, {now}),
				       {now}
				FROM {tasks} WHERE id = ? AND lease_token = ?""", tasksTable, deadTable);
	}

	/** Last step of dead-lettering: {@link #acknowledge}'s statement, in the same transaction. */
	String deadLetterDelete(String tasksTable) {
		return acknowledge(tasksTable);
	}

	/** First half of retrying a dead letter: a fresh task, ready now. Parameters: queue, id. */
	String deadLetterRequeue(String tasksTable, String deadTable) {
		return resolve("""
				INSERT INTO {tasks} (id, queue, body, attempts, available_at, enqueued_at)
				SELECT id, queue, body, 0, {now}, enqueued_at FROM {dead} WHERE queue = ? AND id = ?""", tasksTable,
				deadTable);
	}

	/** Second half of retrying a dead letter. Parameters: queue, id. */
	String deadLetterDeleteOne(String deadTable) {
		return resolve("DELETE FROM {dead} WHERE queue = ? AND id = ?", null, deadTable);
	}

	/** Parameters: queue. */
	String purgeDeadLetters(String deadTable) {
		return resolve("DELETE FROM {dead} WHERE queue = ?", null, deadTable);
	}

	/**
	 * Deletes the dead letters among the oldest {@code limit} of a queue (through the queue index, in seq order)
	 * that were dead-lettered at or before now plus the (negative) milliseconds. Parameters: queue, limit,
	 * milliseconds. Reads only that head of the queue's dead letters, however many there are; the inner
	 * derived table is what MariaDB takes for a LIMIT under IN.
	 */
	String expireDeadLetters(String deadTable) {
		return resolve("""
				DELETE FROM {dead} WHERE seq IN (SELECT seq FROM (SELECT seq, dead_lettered_at FROM {dead}
				                                                  WHERE queue = ? ORDER BY seq LIMIT ?) head
				                                 WHERE dead_lettered_at <= {now+ms})""", null, deadTable);
	}

	/** Parameters: queue, limit, offset. Oldest first. */
	String deadLetters(String deadTable) {
		return resolve("""
				SELECT id, queue, body, attempts, reason, error_class, error_message, stack_trace, enqueued_at,
				       dead_lettered_at
				FROM {dead} WHERE queue = ? ORDER BY seq LIMIT ? OFFSET ?""", null, deadTable);
	}

	/**
	 * Parameters: queue (totals), queue (tasks). Returns n_total and n_dead (the sums of the queue's slots),
	 * n_delayed and n_in_flight (DELAYED is a MySQL keyword), from one snapshot; ready is the rest (an
	 * expired lease counts as ready, as reserve takes it). Only the rows past now are read: the delayed and
	 * in-flight ones, however many tasks are ready.
	 */
	String counts(String tasksTable, String countsTable) {
		return resolve("""
				SELECT totals.n_total, totals.n_dead, pending.n_delayed, pending.n_in_flight
				FROM (SELECT COALESCE(SUM(tasks), 0) AS n_total, COALESCE(SUM(dead_letters), 0) AS n_dead
				      FROM {counts} WHERE queue = ?) totals
				CROSS JOIN
				     (SELECT COALESCE(SUM(CASE WHEN lease_token IS NULL THEN 1 ELSE 0 END), 0) AS n_delayed,
				             COALESCE(SUM(CASE WHEN lease_token IS NULL THEN 0 ELSE 1 END), 0) AS n_in_flight
				      FROM {tasks} WHERE queue = ? AND available_at > {now}) pending""", tasksTable, null, countsTable);
	}

	/**
	 * Finds a task by id in its queue. Parameters: queue, id. Returns body, attempts, enqueued_at, lease_until,
	 * available_at and state: 'I' in flight (a lease token, its lease not expired), 'D' delayed (no lease token,
	 * not due yet), 'R' ready (an expired lease too, as reserve takes it).
	 */
	String findTask(String tasksTable) {
		return resolve("""
				SELECT body, attempts, enqueued_at, lease_until, available_at,
				       CASE WHEN lease_token IS NOT NULL AND lease_until > {now} THEN 'I'
				            WHEN lease_token IS NULL AND available_at > {now} THEN 'D'
				            ELSE 'R' END AS state
				FROM {tasks} WHERE queue = ? AND id = ?""", tasksTable, null);
	}

	/** Finds a dead letter by id in its queue. Parameters: queue, id. The columns of {@link #deadLetters}. */
	String findDeadLetter(String deadTable) {
		return resolve("""
				SELECT id, queue, body, attempts, reason, error_class, error_message, stack_trace, enqueued_at,
				       dead_lettered_at
				FROM {dead} WHERE queue = ? AND id = ?""", null, deadTable);
	}

	/** A task's result unless it expired. Parameters: task id. Returns result. */
	String result(String resultsTable) {
		return results("SELECT result FROM {results} WHERE task_id = ? AND expires_at > {now}", resultsTable);
	}

	/** Deletes up to {@code limit} expired results, oldest first, through the expiry index. No parameters. */
	String purgeExpiredResults(String resultsTable, int limit) {
		return results("DELETE FROM {results} WHERE task_id IN (SELECT task_id FROM {results} WHERE expires_at <= {now} "
				+ "ORDER BY expires_at LIMIT " + limit + ")", resultsTable);
	}

	/**
	 * Records a worker's heartbeat, replacing the one it had. Parameters: worker id, heartbeat JSON, ttl in ms.
	 * The PostgreSQL form; MariaDB and H2 spell the upsert their way.
	 */
	String beat(String workersTable) {
		return resolveWorkers("INSERT INTO {workers} (worker_id, heartbeat, expires_at) VALUES (?, ?, {now+ms}) "
				+ "ON CONFLICT (worker_id) DO UPDATE SET heartbeat = EXCLUDED.heartbeat, expires_at = EXCLUDED.expires_at",
				workersTable);
	}

	/** Parameters: worker id. */
	String removeWorker(String workersTable) {
		return resolveWorkers("DELETE FROM {workers} WHERE worker_id = ?", workersTable);
	}

	/** The heartbeats that have not expired: worker_id, heartbeat. No parameters. */
	String workers(String workersTable) {
		return resolveWorkers("SELECT worker_id, heartbeat FROM {workers} WHERE expires_at > {now}", workersTable);
	}

	/** Deletes the heartbeats that expired. No parameters. */
	String pruneWorkers(String workersTable) {
		return resolveWorkers("DELETE FROM {workers} WHERE expires_at <= {now}", workersTable);
	}

	String ping() {
		return "SELECT 1";
	}

	private String resolveWorkers(String sql, String workersTable) {
		return resolve(sql, null, null).replace("{workers}", workersTable);
	}

	private static String repeat(String row, int rows) {
		StringBuilder sql = new StringBuilder(rows * (row.length() + 2));
		for (int i = 0; i < rows; i++) {
			sql.append((i > 0) ? ", " : "").append(row);
		}
		return sql.toString();
	}

	/** {@code sql} with {@code {results}} and the time placeholders filled in. */
	String results(String sql, String resultsTable) {
		return resolve(sql, null, null).replace("{results}", resultsTable);
	}

	String resolve(String sql, String tasksTable, String deadTable) {
		return resolve(sql, tasksTable, deadTable, null);
	}

	String resolve(String sql, String tasksTable, String deadTable, String countsTable) {
		String resolved = sql.replace("{now+ms}", this.nowPlusMillis)
			.replace("{now}", this.now)
			.replace("{attempts+1}", "CASE WHEN attempts >= 0 AND attempts < " + Reservation.MAX_ATTEMPT
					+ " THEN attempts + 1 ELSE attempts END")
			.replace("{attempts-1}", "CASE WHEN attempts > 0 AND attempts <= " + Reservation.MAX_ATTEMPT
					+ " THEN attempts - 1 ELSE attempts END");
		if (tasksTable != null) {
			resolved = resolved.replace("{tasks}", tasksTable);
		}
		if (deadTable != null) {
			resolved = resolved.replace("{dead}", deadTable);
		}
		if (countsTable != null) {
			resolved = resolved.replace("{counts}", countsTable);
		}
		return resolved;
	}

}
