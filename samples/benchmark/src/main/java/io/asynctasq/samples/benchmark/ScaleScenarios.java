package io.asynctasq.samples.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How cost grows ({@code --scenarios=scale}): a backlog of {@code --backlog} tasks drained beside a burst
 * of {@code --tasks}, a page of dead letters read at 10 and at {@code --dead-letters}, and an idle worker
 * serving {@code --queues} queues, then picking up a trickle spread over all of them.
 */
final class ScaleScenarios {

	private static final Logger logger = LoggerFactory.getLogger(ScaleScenarios.class);

	private static final Duration TIMEOUT = Duration.ofMinutes(30);

	/** Dead letters per page read, as many as the smaller set holds, so both reads return the same number. */
	static final int PAGE = 10;

	private static final int FEW_DEAD_LETTERS = 10;

	private static final int DEAD_LETTER_THREADS = 8;

	private final BenchmarkOptions options;

	private final Supplier<String> queueNames;

	ScaleScenarios(BenchmarkOptions options, Supplier<String> queueNames) {
		this.options = options;
		this.queueNames = queueNames;
	}

	Report.Scale measure(DriverSetup setup) throws Exception {
		logger.info("{}: reference burst of {}", setup.label(), this.options.tasks());
		Report.Backlog reference = backlog(setup, this.options.tasks());
		logger.info("{}: backlog of {}", setup.label(), this.options.backlog());
		Report.Backlog backlog = backlog(setup, this.options.backlog());
		logger.info("{}: dead letters, {} then {}", setup.label(), FEW_DEAD_LETTERS, this.options.deadLetters());
		Report.DeadLetterPages deadLetters = deadLetters(setup);
		logger.info("{}: a worker serving {} queues", setup.label(), this.options.queues());
		Report.ManyQueues manyQueues = manyQueues(setup);
		return new Report.Scale(reference, backlog, deadLetters, manyQueues);
	}

	/**
	 * Queues {@code tasks} (timing the first and the last {@code --tasks} of them), reads the counts, then
	 * drains them with the worker, taking the heap after a collection halfway through the drain.
	 */
	private Report.Backlog backlog(DriverSetup setup, int tasks) throws Exception {
		try (Harness harness = new Harness(setup, this.options.concurrency(), this.queueNames.get())) {
			TaskProbe.Run run = harness.probe.begin(tasks);
			int chunk = Math.min(this.options.tasks(), tasks);
			double enqueueFirst = chunk / Benchmark.seconds(dispatch(harness, chunk));
			double enqueueLast = enqueueFirst;
			if (tasks > chunk) {
				int middle = Math.max(0, tasks - 2 * chunk);
				dispatch(harness, middle);
				int last = tasks - chunk - middle;
				enqueueLast = last / Benchmark.seconds(dispatch(harness, last));
			}
			QueueDriver driver = harness.driver;
			double countsMillis = medianMillis(() -> {
				QueueCounts counts = driver.counts(harness.queue);
				if (counts.ready() + counts.delayed() != tasks) {
					throw new IllegalStateException("Expected " + tasks + " queued, counted " + counts);
				}
				return 0;
			});
			harness.worker.start();
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (run.remaining() > tasks / 2 && System.nanoTime() < deadline) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
			}
			long probeStart = System.nanoTime();
			double heapMidDrain = JvmUse.heapMiBAfterGc();
			// the collection stops the worker too: its pause is not the driver's time
			long probeNanos = System.nanoTime() - probeStart;
			if (!run.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
				throw new IllegalStateException(setup.label() + ": backlog did not drain within " + TIMEOUT);
			}
			double processed = tasks
					/ Benchmark.seconds(run.lastCompletionNanos() - run.firstStartNanos() - probeNanos);
			harness.assertDrained();
			return new Report.Backlog(tasks, enqueueFirst, enqueueLast, countsMillis, processed, heapMidDrain);
		}
	}

	private long dispatch(Harness harness, int tasks) throws InterruptedException {
		return (tasks == 0) ? 0 : harness.dispatch(tasks, this.options.producers(), this.options.batch());
	}

	/** Times a page of the oldest dead letters and the counts at 10 dead letters, then at {@code --dead-letters}. */
	private Report.DeadLetterPages deadLetters(DriverSetup setup) throws Exception {
		try (Harness harness = new Harness(setup, this.options.concurrency(), this.queueNames.get())) {
			QueueDriver driver = harness.driver;
			String queue = harness.queue;
			int many = Math.max(this.options.deadLetters(), FEW_DEAD_LETTERS);
			deadLetter(harness, FEW_DEAD_LETTERS);
			double fewPage = medianMillis(() -> page(driver, queue, FEW_DEAD_LETTERS));
			long fillStart = System.nanoTime();
			deadLetter(harness, many - FEW_DEAD_LETTERS);
			double fillPerSecond = (many - FEW_DEAD_LETTERS) / Benchmark.seconds(System.nanoTime() - fillStart);
			double manyPage = medianMillis(() -> page(driver, queue, many));
			double manyCounts = medianMillis(() -> {
				long dead = driver.counts(queue).deadLettered();
				if (dead != many) {
					throw new IllegalStateException("Expected " + many + " dead letters, counted " + dead);
				}
				return 0;
			});
			long purgeStart = System.nanoTime();
			long purged = driver.purgeDeadLetters(queue);
			double purgeMillis = (System.nanoTime() - purgeStart) / 1_000_000.0;
			if (purged != many) {
				throw new IllegalStateException("Purged " + purged + " dead letters of " + many);
			}
			harness.assertDrained();
			return new Report.DeadLetterPages(FEW_DEAD_LETTERS, fewPage, many, manyPage, manyCounts, fillPerSecond,
					purgeMillis);
		}
	}

	private static long page(QueueDriver driver, String queue, int expectedTotal) {
		List<DeadLetter> page = driver.deadLetters(queue, 0, PAGE);
		if (page.size() != Math.min(PAGE, expectedTotal)) {
			throw new IllegalStateException("A page of dead letters held " + page.size());
		}
		return page.size();
	}

	/** Dispatches {@code tasks} tasks, then reserves and dead-letters them from several threads. */
	private void deadLetter(Harness harness, int tasks) throws Exception {
		if (tasks == 0) {
			return;
		}
		dispatch(harness, tasks);
		AtomicLong left = new AtomicLong(tasks);
		AtomicReference<Exception> failure = new AtomicReference<>();
		DeadLetter.Failure reason = DeadLetter.Failure.of("benchmark: dead-lettered on purpose");
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < DEAD_LETTER_THREADS; i++) {
			Thread thread = new Thread(() -> {
				try {
					while (left.get() > 0 && failure.get() == null) {
						List<Reservation> reserved = harness.driver.reserve(harness.queues, 100, Duration.ofMinutes(5),
								Duration.ofMillis(200));
						for (Reservation reservation : reserved) {
							if (!harness.driver.deadLetter(reservation, reason)) {
								throw new IllegalStateException("Lost the lease of " + reservation.id());
							}
							left.decrementAndGet();
						}
					}
				}
				catch (Exception ex) {
					failure.compareAndSet(null, ex);
				}
			}, "bench-dead-letter-" + i);
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		if (failure.get() != null) {
			throw failure.get();
		}
	}

	/** An idle worker serving many queues: its CPU over 5 s, then a trickle spread over every queue. */
	private Report.ManyQueues manyQueues(DriverSetup setup) throws Exception {
		List<String> queues = new ArrayList<>();
		for (int i = 0; i < this.options.queues(); i++) {
			queues.add(this.queueNames.get());
		}
		try (Harness harness = new Harness(setup, this.options.concurrency(), queues, null)) {
			harness.worker.start();
			LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
			double idleCpu = JvmUse.cpuPercentOver(Duration.ofSeconds(5));
			double[] trickle = harness.trickle(this.options.trickleTasks(), this.options.trickleRate(), TIMEOUT);
			return new Report.ManyQueues(queues.size(), idleCpu, trickle);
		}
	}

	/** Median of 11 timed calls in milliseconds, after one untimed call. */
	private static double medianMillis(LongSupplier call) {
		call.getAsLong();
		double[] millis = new double[11];
		for (int i = 0; i < millis.length; i++) {
			long start = System.nanoTime();
			call.getAsLong();
			millis[i] = (System.nanoTime() - start) / 1_000_000.0;
		}
		Arrays.sort(millis);
		return millis[millis.length / 2];
	}

}
