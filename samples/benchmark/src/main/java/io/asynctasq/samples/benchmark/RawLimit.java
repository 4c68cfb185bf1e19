package io.asynctasq.samples.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The backend's own limit for a burst's work, measured in the same run: N tasks claimed and acknowledged
 * by {@value #THREADS} threads with the cheapest calls the backend offers and no library in between (one
 * Lua call per task on Redis; a {@code SKIP LOCKED} claim of {@value #CLAIM_BATCH} and their delete in one
 * transaction on a database).
 */
final class RawLimit {

	static final int THREADS = 8;

	static final int CLAIM_BATCH = 10;

	/** One claim-and-acknowledge on the calling thread; answers how many tasks it took, 0 when none was left. */
	@FunctionalInterface
	interface Claim {

		int claimAndAcknowledge() throws Exception;

	}

	private RawLimit() {
	}

	/** Runs {@code claim} on {@value #THREADS} threads until each finds nothing left; returns tasks per second. */
	static double perSecond(int tasks, Claim claim) throws Exception {
		CountDownLatch ready = new CountDownLatch(THREADS);
		CountDownLatch go = new CountDownLatch(1);
		AtomicReference<Exception> failure = new AtomicReference<>();
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < THREADS; i++) {
			Thread thread = new Thread(() -> {
				ready.countDown();
				try {
					go.await();
					while (claim.claimAndAcknowledge() > 0) {
						// until the backend has nothing left
					}
				}
				catch (Exception ex) {
					failure.compareAndSet(null, ex);
				}
			}, "bench-raw-" + i);
			thread.start();
			threads.add(thread);
		}
		ready.await();
		long start = System.nanoTime();
		go.countDown();
		for (Thread thread : threads) {
			thread.join();
		}
		long elapsed = System.nanoTime() - start;
		if (failure.get() != null) {
			throw failure.get();
		}
		return tasks / (elapsed / 1_000_000_000.0);
	}

}
