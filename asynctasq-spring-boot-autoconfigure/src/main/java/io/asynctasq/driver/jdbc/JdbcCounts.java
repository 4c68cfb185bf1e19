package io.asynctasq.driver.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import static io.asynctasq.driver.jdbc.JdbcTransactions.update;

/**
 * The queue totals table ({@code <prefix>queue_counts}): how many tasks and dead letters each queue holds,
 * so that {@link JdbcDriver#counts} never scans a queue. Every unit of work that inserts or deletes task or
 * dead-letter rows adds its {@link Changes} in the same transaction, as its last statement: one upsert of
 * one slot row per queue, in queue order, the slot one of {@value #SLOTS} chosen at random per unit of work,
 * so concurrent writers rarely wait on the same row and never wait on each other in a cycle. An enqueue
 * that joins the caller's transaction adds its changes {@linkplain #addBeforeCommit just before that
 * transaction commits}, so the row lock is held for the commit only, not for the rest of the caller's work.
 */
final class JdbcCounts {

	/** Slot rows per queue. */
	static final int SLOTS = 16;

	private final JdbcDialect dialect;

	private final String table;

	private final String addOne;

	JdbcCounts(JdbcDialect dialect, String table) {
		this.dialect = dialect;
		this.table = table;
		this.addOne = dialect.addCounts(table, 1);
	}

	/** The slot a unit of work adds to. */
	static int slot() {
		return ThreadLocalRandom.current().nextInt(SLOTS);
	}

	/** Adds {@code changes} to one slot, one statement on {@code connection} (nothing when there are none). */
	void add(Connection connection, Changes changes) throws SQLException {
		if (changes.isEmpty()) {
			return;
		}
		int slot = slot();
		int rows = changes.byQueue.size();
		String sql = (rows == 1) ? this.addOne : this.dialect.addCounts(this.table, rows);
		update(connection, sql, (statement) -> {
			int index = 1;
			for (Map.Entry<String, long[]> change : changes.byQueue.entrySet()) {
				statement.setString(index++, change.getKey());
				statement.setInt(index++, slot);
				statement.setLong(index++, change.getValue()[0]);
				statement.setLong(index++, change.getValue()[1]);
			}
		});
	}

	/**
	 * Adds {@code changes} to the ones the Spring-managed transaction active on this thread writes through
	 * {@code writer} just before it commits, and runs {@code afterCommit} once it committed. Changes made
	 * after a savepoint are dropped when the transaction rolls back to it. {@code false} (nothing registered)
	 * when the transaction has no synchronization: the caller then adds them at once.
	 */
	boolean addBeforeCommit(Changes changes, Writer writer, Runnable afterCommit) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			return false;
		}
		AtCommit pending = null;
		for (TransactionSynchronization synchronization : TransactionSynchronizationManager.getSynchronizations()) {
			if (synchronization instanceof AtCommit atCommit && atCommit.owner == this) {
				pending = atCommit;
				break;
			}
		}
		if (pending == null) {
			pending = new AtCommit(this, writer, afterCommit);
			TransactionSynchronizationManager.registerSynchronization(pending);
		}
		pending.changes.addAll(changes);
		return true;
	}

	/** Writes the changes of a transaction on its own connection, failing its commit when it cannot. */
	@FunctionalInterface
	interface Writer {

		void write(Changes changes);

	}

	/** What one unit of work adds to the totals, per queue (in queue order: the order rows are locked in). */
	static final class Changes {

		private final TreeMap<String, long[]> byQueue = new TreeMap<>();

		/** Adds {@code tasks} (negative: removed) and {@code deadLetters} to {@code queue}'s changes. */
		Changes add(String queue, long tasks, long deadLetters) {
			if (tasks != 0 || deadLetters != 0) {
				long[] change = this.byQueue.computeIfAbsent(queue, (key) -> new long[2]);
				change[0] += tasks;
				change[1] += deadLetters;
				if (change[0] == 0 && change[1] == 0) {
					this.byQueue.remove(queue);
				}
			}
			return this;
		}

		void addAll(Changes other) {
			other.byQueue.forEach((queue, change) -> add(queue, change[0], change[1]));
		}

		boolean isEmpty() {
			return this.byQueue.isEmpty();
		}

		Changes copy() {
			Changes copy = new Changes();
			copy.addAll(this);
			return copy;
		}

		void replaceWith(Changes other) {
			this.byQueue.clear();
			addAll(other);
		}

	}

	/** The changes of one transaction, written just before it commits. */
	private static final class AtCommit implements TransactionSynchronization {

		final JdbcCounts owner;

		final Writer writer;

		final Runnable afterCommit;

		final Changes changes = new Changes();

		/** The changes as they were when each savepoint of this transaction was set. */
		final Map<Object, Changes> atSavepoint = new HashMap<>();

		AtCommit(JdbcCounts owner, Writer writer, Runnable afterCommit) {
			this.owner = owner;
			this.writer = writer;
			this.afterCommit = afterCommit;
		}

		@Override
		public void savepoint(Object savepoint) {
			this.atSavepoint.put(savepoint, this.changes.copy());
		}

		@Override
		public void savepointRollback(Object savepoint) {
			// a savepoint set before this synchronization was registered came before every change it holds
			Changes then = this.atSavepoint.get(savepoint);
			this.changes.replaceWith((then != null) ? then : new Changes());
		}

		@Override
		public void beforeCommit(boolean readOnly) {
			this.writer.write(this.changes);
		}

		@Override
		public void afterCommit() {
			this.afterCommit.run();
		}

	}

}
