package io.asynctasq.driver.jdbc;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes reserves waiting in this JVM when work may have arrived: a local enqueue committed, a task was
 * released or retried, or a PostgreSQL notification came in. A version counter makes a wake-up between
 * a waiter's empty poll and its wait count.
 */
final class WakeUpSignal {

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private long version;

	long version() {
		this.lock.lock();
		try {
			return this.version;
		}
		finally {
			this.lock.unlock();
		}
	}

	void wakeUp() {
		this.lock.lock();
		try {
			this.version++;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits until the version moves past {@code seen} or {@code nanos} elapse.
	 * @return whether a wake-up came
	 */
	boolean awaitChange(long seen, long nanos) throws InterruptedException {
		this.lock.lockInterruptibly();
		try {
			long remaining = nanos;
			while (this.version == seen) {
				if (remaining <= 0) {
					return false;
				}
				remaining = this.changed.awaitNanos(remaining);
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

}
