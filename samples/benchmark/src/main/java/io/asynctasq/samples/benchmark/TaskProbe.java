package io.asynctasq.samples.benchmark;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.asynctasq.Task;

/**
 * The benchmark's no-op task. Each run records, per task, the time from dispatch to start, and the
 * first start and last completion.
 */
public class TaskProbe {

	static final String TASK = "bench.noop";

	private volatile Run run = new Run(0);

	@Task(name = TASK)
	public void noop(long dispatchedAtNanos) {
		this.run.started(System.nanoTime(), dispatchedAtNanos);
	}

	Run currentRun() {
		return this.run;
	}

	Run begin(int expected) {
		this.run = new Run(expected);
		return this.run;
	}

	/** One run's measurements. */
	static final class Run {

		private final long[] latencies;

		private final AtomicInteger started = new AtomicInteger();

		private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);

		private final AtomicLong lastCompletion = new AtomicLong();

		private final CountDownLatch completed;

		Run(int expected) {
			this.latencies = new long[expected];
			this.completed = new CountDownLatch(expected);
		}

		void started(long now, long dispatchedAt) {
			int index = this.started.getAndIncrement();
			if (index < this.latencies.length) {
				this.latencies[index] = now - dispatchedAt;
			}
			this.firstStart.accumulateAndGet(now, Math::min);
		}

		void completed() {
			this.lastCompletion.accumulateAndGet(System.nanoTime(), Math::max);
			this.completed.countDown();
		}

		boolean await(long timeout, TimeUnit unit) throws InterruptedException {
			return this.completed.await(timeout, unit);
		}

		/** Tasks of this run not completed yet. */
		long remaining() {
			return this.completed.getCount();
		}

		long firstStartNanos() {
			return this.firstStart.get();
		}

		long lastCompletionNanos() {
			return this.lastCompletion.get();
		}

		/** Dispatch→start percentiles in milliseconds: p50, p99, max. */
		double[] latencyMillis() {
			long[] sorted = Arrays.copyOf(this.latencies, Math.min(this.started.get(), this.latencies.length));
			Arrays.sort(sorted);
			if (sorted.length == 0) {
				return new double[] { 0, 0, 0 };
			}
			return new double[] { millis(percentile(sorted, 0.50)), millis(percentile(sorted, 0.99)),
					millis(sorted[sorted.length - 1]) };
		}

		private static long percentile(long[] sorted, double p) {
			int index = (int) Math.ceil(p * sorted.length) - 1;
			return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
		}

		private static double millis(long nanos) {
			return nanos / 1_000_000.0;
		}

	}

}
