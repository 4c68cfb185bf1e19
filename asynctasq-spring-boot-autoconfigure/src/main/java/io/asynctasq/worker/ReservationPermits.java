package io.asynctasq.worker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;

/**
 * How many more tasks a worker may hold reserved (its concurrency plus its prefetch). The fetcher waits for a
 * batch of them; task threads hand one back per finished task and wake the fetcher only once its batch is
 * there. A {@link java.util.concurrent.Semaphore} would wake a thread waiting for many permits on every single
 * release, only for it to wait again: a context switch per task.
 */
final class ReservationPermits {

	private final AtomicInteger available;

	/** The fetcher waiting for permits, with the batch it waits for; {@code null} while nobody waits. */
	private volatile @Nullable Waiting waiting;

	private record Waiting(Thread thread, int batch) {
	}

	ReservationPermits(int permits) {
		this.available = new AtomicInteger(permits);
	}

	/** Waits until at least {@code batch} permits are free, then takes every free one; returns how many. */
	int takeAtLeast(int batch) throws InterruptedException {
		Waiting self = null;
		while (true) {
			int free = this.available.get();
			if (free >= batch) {
				if (this.available.compareAndSet(free, 0)) {
					this.waiting = null;
					return free;
				}
				continue;
			}
			if (self == null) {
				self = new Waiting(Thread.currentThread(), batch);
			}
			this.waiting = self;
			if (this.available.get() >= batch) {
				continue; // released between the first look and the announcement: no wake-up comes for it
			}
			LockSupport.park(this);
			if (Thread.interrupted()) {
				this.waiting = null;
				throw new InterruptedException();
			}
		}
	}

	/** Hands {@code count} permits back; wakes the fetcher when its batch is now free. */
	void release(int count) {
		if (count <= 0) {
			return;
		}
		int free = this.available.addAndGet(count);
		Waiting waiter = this.waiting;
		if (waiter != null && free >= waiter.batch()) {
			LockSupport.unpark(waiter.thread());
		}
	}

	/** The permits free now. */
	int available() {
		return this.available.get();
	}

}
