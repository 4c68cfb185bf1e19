package io.asynctasq.dispatch;

import java.util.ArrayList;
import java.util.List;

import io.asynctasq.driver.QueueDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Ties dispatches made inside a Spring-managed transaction to its outcome: a driver that joins the
 * transaction ({@link QueueDriver#joinsCurrentTransaction()}) writes the task in it; for every other driver,
 * and every {@code dispatchAsync}, the send waits for the commit and is dropped on rollback. The README's "Transactional dispatch" says what a
 * user sees, including a send that fails after the commit.
 */
public final class TransactionAwareDispatchDeferral implements DispatchDeferral {

	private static final Logger logger = LoggerFactory.getLogger(TransactionAwareDispatchDeferral.class);

	@Override
	public boolean defer(QueueDriver driver, Runnable send, Runnable dropped, boolean sendsOnCallerThread) {
		if (!TransactionSynchronizationManager.isActualTransactionActive()
				|| !TransactionSynchronizationManager.isSynchronizationActive()) {
			return false;
		}
		if (sendsOnCallerThread && driver.joinsCurrentTransaction()) {
			return false;
		}
		PendingSends pending = (PendingSends) TransactionSynchronizationManager.getResource(this);
		if (pending == null) {
			pending = new PendingSends(this);
			TransactionSynchronizationManager.bindResource(this, pending);
			TransactionSynchronizationManager.registerSynchronization(pending);
		}
		pending.add(send, dropped);
		return true;
	}

	@Override
	public void runAfterCommit(Runnable action) {
		if (!TransactionSynchronizationManager.isActualTransactionActive()
				|| !TransactionSynchronizationManager.isSynchronizationActive()) {
			action.run();
			return;
		}
		// afterCompletion, not afterCommit: it also runs for a synchronization registered while the
		// transaction's afterCommit callbacks run (a send deferred to after the commit does that)
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCompletion(int status) {
				if (status == STATUS_COMMITTED) {
					action.run();
				}
			}
		});
	}

	/**
	 * The dispatches deferred in one transaction, sent in order after it commits: in afterCommit, or in
	 * afterCompletion when they were registered too late for afterCommit (a dispatch from another
	 * synchronization's afterCommit).
	 */
	private static final class PendingSends implements TransactionSynchronization {

		private final Object key;

		private final List<Runnable> sends = new ArrayList<>();

		private final List<Runnable> drops = new ArrayList<>();

		PendingSends(Object key) {
			this.key = key;
		}

		void add(Runnable send, Runnable dropped) {
			this.sends.add(send);
			this.drops.add(dropped);
		}

		@Override
		public void afterCommit() {
			RuntimeException failure = null;
			// taken one by one: a send may itself lead to another dispatch in this transaction
			while (!this.sends.isEmpty()) {
				Runnable send = this.sends.remove(0);
				this.drops.remove(0);
				try {
					send.run();
				}
				catch (RuntimeException ex) {
					logger.error("A task dispatched in a transaction that committed could not be sent: {}",
							ex.toString(), ex);
					if (failure == null) {
						failure = ex;
					}
					else {
						failure.addSuppressed(ex);
					}
				}
			}
			if (failure != null) {
				throw failure;
			}
		}

		@Override
		public void afterCompletion(int status) {
			TransactionSynchronizationManager.unbindResourceIfPossible(this.key);
			if (status == STATUS_COMMITTED && !this.sends.isEmpty()) {
				try {
					afterCommit();
				}
				catch (RuntimeException ex) {
					// already logged per task; afterCompletion cannot throw to the committer
				}
				return;
			}
			if (status != STATUS_COMMITTED && !this.drops.isEmpty()) {
				logger.debug("{} task dispatch(es) dropped: their transaction rolled back", this.drops.size());
				this.drops.forEach(Runnable::run);
			}
			this.sends.clear();
			this.drops.clear();
		}

	}

}
