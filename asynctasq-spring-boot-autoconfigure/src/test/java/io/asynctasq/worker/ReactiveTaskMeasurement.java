package io.asynctasq.worker;

import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.asynctasq.Task;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import reactor.core.publisher.Mono;

/**
 * Measures reactive tasks against blocking ones on the memory driver (not a test: run its {@code main} by hand,
 * see docs/reactive.md): 2,000 tasks that each wait 100 ms, 200 at once on a platform pool of 200 threads; the
 * wall time, and the pool threads busy, sampled every millisecond (median and most), and the threads it made.
 */
public final class ReactiveTaskMeasurement {

	private static final int N = 2_000;

	private static final int CONCURRENCY = 200;

	private ReactiveTaskMeasurement() {
	}

	public static void main(String[] args) {
		// twice each, interleaved: the first round warms the JIT up
		for (int round = 0; round < 2; round++) {
			measure("Mono.delay(100 ms)", "Waits.reactive");
			measure("Thread.sleep(100 ms)", "Waits.blocking");
		}
	}

	private static void measure(String what, String task) {
		Waits waits = new Waits();
		try (AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(waits)
			.executorMode(ExecutorMode.PLATFORM)
			.concurrency(CONCURRENCY)
			.pollInterval(Duration.ofMillis(10))
			.build()) {
			ThreadPoolExecutor pool = (ThreadPoolExecutor) runtime.worker().executor();
			long start = System.nanoTime();
			for (int i = 0; i < N; i++) {
				runtime.dispatcher().dispatch(task);
			}
			int busiest = 0;
			java.util.List<Integer> samples = new java.util.ArrayList<>();
			while (waits.done.get() < N) {
				int active = pool.getActiveCount();
				busiest = Math.max(busiest, active);
				samples.add(active);
				LockSupport.parkNanos(1_000_000);
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			java.util.List<Integer> sorted = samples.stream().sorted().toList();
			System.out.printf("| %s | %,d | %d | %.2f s | %d | %d | %d |%n", what, N, CONCURRENCY, seconds,
					sorted.get(sorted.size() / 2), busiest, pool.getLargestPoolSize());
		}
	}

	static class Waits {

		final AtomicInteger done = new AtomicInteger();

		@Task
		public Mono<Void> reactive() {
			return Mono.delay(Duration.ofMillis(100)).doOnNext((tick) -> this.done.incrementAndGet()).then();
		}

		@Task
		public void blocking() throws InterruptedException {
			Thread.sleep(100);
			this.done.incrementAndGet();
		}

	}

}
