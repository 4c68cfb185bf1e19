package io.asynctasq.samples.benchmark;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the burst, trickle and memory scenarios for each chosen driver (3 measured runs after
 * warm-up bursts of at most 5,000 tasks for 3 seconds, medians reported) and prints a Markdown table; the raw figures go to a JSON file.
 */
public final class Benchmark {

	private static final Logger logger = LoggerFactory.getLogger(Benchmark.class);

	private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

	private final BenchmarkOptions options;

	private int runSequence;

	private Benchmark(BenchmarkOptions options) {
		this.options = options;
	}

	public static void main(String[] args) throws Exception {
		BenchmarkOptions options;
		try {
			options = BenchmarkOptions.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.exit(2);
			return;
		}
		List<Report.Row> rows = new ArrayList<>();
		Benchmark benchmark = new Benchmark(options);
		for (String driver : options.drivers()) {
			try (DriverSetup setup = DriverSetup.forName(driver)) {
				rows.add(benchmark.measure(setup));
			}
		}
		Report report = new Report(options, rows);
		System.out.println(report.markdown());
		report.writeJson(options.output());
		System.out.println("JSON written to " + options.output().toAbsolutePath());
		System.exit(0);
	}

	private Report.Row measure(DriverSetup setup) throws Exception {
		logger.info("{}: warm-up", setup.label());
		int warmupBurst = Math.min(this.options.tasks(), 5_000);
		long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(this.options.warmupSeconds());
		do {
			burst(setup, warmupBurst, this.options.batch());
		}
		while (System.nanoTime() < warmupEnd);
		trickle(setup, Math.min(this.options.trickleTasks(), 200));
		List<Report.Burst> bursts = new ArrayList<>();
		List<Double> singleEnqueues = new ArrayList<>();
		List<double[]> trickles = new ArrayList<>();
		for (int run = 1; run <= this.options.runs(); run++) {
			logger.info("{}: burst run {}/{}", setup.label(), run, this.options.runs());
			bursts.add(burst(setup, this.options.tasks(), this.options.batch()));
		}
		for (int run = 1; run <= this.options.runs(); run++) {
			logger.info("{}: one-by-one enqueue run {}/{}", setup.label(), run, this.options.runs());
			singleEnqueues.add(burst(setup, Math.max(1, this.options.tasks() / 4), 1).enqueuePerSecond());
		}
		for (int run = 1; run <= this.options.runs(); run++) {
			logger.info("{}: trickle run {}/{}", setup.label(), run, this.options.runs());
			trickles.add(trickle(setup, this.options.trickleTasks()));
		}
		logger.info("{}: memory and idle CPU", setup.label());
		Report.Resources resources = resources(setup);
		List<Double> rawLimits = new ArrayList<>();
		for (int run = 1; run <= this.options.runs(); run++) {
			OptionalDouble limit = setup.rawLimit(this.options.tasks());
			if (limit.isEmpty()) {
				break;
			}
			logger.info("{}: raw limit run {}/{}", setup.label(), run, this.options.runs());
			rawLimits.add(limit.getAsDouble());
		}
		return new Report.Row(setup.label(), setup.versions(), bursts, singleEnqueues, trickles, resources,
				rawLimits);
	}

	/**
	 * Enqueues N tasks from P producers in batches ({@code dispatchAll}; 1 = one {@code dispatch} per
	 * task), then starts a worker of concurrency C and waits for the drain.
	 */
	private Report.Burst burst(DriverSetup setup, int tasks, int batch) throws Exception {
		try (Harness harness = new Harness(setup, this.options.concurrency(), nextQueue())) {
			TaskProbe.Run run = harness.probe.begin(tasks);
			int producers = Math.min(this.options.producers(), tasks);
			CountDownLatch ready = new CountDownLatch(producers);
			CountDownLatch go = new CountDownLatch(1);
			List<Thread> threads = new ArrayList<>();
			for (int p = 0; p < producers; p++) {
				int share = tasks / producers + ((p < tasks % producers) ? 1 : 0);
				Thread producer = new Thread(() -> {
					ready.countDown();
					awaitQuietly(go);
					for (int sent = 0; sent < share; sent += batch) {
						int size = Math.min(batch, share - sent);
						if (size == 1) {
							harness.dispatcher.task(TaskProbe.TASK).onQueue(harness.queue).dispatch(System.nanoTime());
							continue;
						}
						List<Object[]> arguments = new ArrayList<>(size);
						long now = System.nanoTime();
						for (int i = 0; i < size; i++) {
							arguments.add(new Object[] { now });
						}
						harness.dispatcher.task(TaskProbe.TASK).onQueue(harness.queue).dispatchAll(arguments);
					}
				}, "bench-producer-" + p);
				producer.start();
				threads.add(producer);
			}
			ready.await();
			long enqueueStart = System.nanoTime();
			go.countDown();
			for (Thread thread : threads) {
				thread.join();
			}
			long enqueueNanos = System.nanoTime() - enqueueStart;
			harness.worker.start();
			if (!run.await(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
				throw new IllegalStateException(setup.label() + ": burst did not drain within " + RUN_TIMEOUT);
			}
			long processingNanos = run.lastCompletionNanos() - run.firstStartNanos();
			harness.assertDrained();
			return new Report.Burst(tasks / seconds(enqueueNanos), tasks / seconds(processingNanos),
					run.latencyMillis());
		}
	}

	/** Dispatches at a fixed rate to an idle, waiting worker; returns dispatch→start p50, p99, max (ms). */
	private double[] trickle(DriverSetup setup, int tasks) throws Exception {
		try (Harness harness = new Harness(setup, this.options.concurrency(), nextQueue())) {
			TaskProbe.Run run = harness.probe.begin(tasks);
			harness.worker.start();
			long interval = TimeUnit.SECONDS.toNanos(1) / this.options.trickleRate();
			long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
			for (int i = 0; i < tasks; i++) {
				long wait;
				while ((wait = next - System.nanoTime()) > 0) {
					LockSupport.parkNanos(wait);
				}
				harness.dispatcher.task(TaskProbe.TASK).onQueue(harness.queue).dispatch(System.nanoTime());
				next += interval;
			}
			if (!run.await(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
				throw new IllegalStateException(setup.label() + ": trickle did not finish within " + RUN_TIMEOUT);
			}
			harness.assertDrained();
			return run.latencyMillis();
		}
	}

	/** Heap in use after a burst (after a GC), and the CPU an idle worker uses over 5 s, 2 s after the burst. */
	private Report.Resources resources(DriverSetup setup) throws Exception {
		try (Harness harness = new Harness(setup, this.options.concurrency(), nextQueue())) {
			TaskProbe.Run run = harness.probe.begin(this.options.tasks());
			for (int i = 0; i < this.options.tasks(); i++) {
				harness.dispatcher.task(TaskProbe.TASK).onQueue(harness.queue).dispatch(System.nanoTime());
			}
			harness.worker.start();
			run.await(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			System.gc();
			long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
			// let the JIT compiler and GC threads finish what the burst gave them, so only the idle worker is measured
			LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
			com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
				.getOperatingSystemMXBean();
			long cpuStart = os.getProcessCpuTime();
			long wallStart = System.nanoTime();
			LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
			double idleCpu = 100.0 * (os.getProcessCpuTime() - cpuStart) / (System.nanoTime() - wallStart);
			return new Report.Resources(heap / (1024.0 * 1024.0), idleCpu);
		}
	}

	private String nextQueue() {
		return "bench-" + ProcessHandle.current().pid() + "-" + (++this.runSequence);
	}

	private static double seconds(long nanos) {
		return nanos / 1_000_000_000.0;
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** A driver, a dispatcher and a (not yet started) worker on one queue, closed in shutdown order. */
	private static final class Harness implements AutoCloseable {

		final TaskProbe probe = new TaskProbe();

		final String queue;

		final QueueDriver driver;

		final DefaultTaskDispatcher dispatcher;

		final Worker worker;

		Harness(DriverSetup setup, int concurrency, String queue) {
			this.queue = queue;
			setup.queueUsed(queue);
			this.driver = setup.createDriver();
			TaskRegistry registry = new TaskRegistry();
			new AnnotatedTasks(null).registerTasksOf(this.probe, registry);
			PayloadCodec codec = new PayloadCodec();
			AsyncTasqEventListener listener = (event) -> {
				if (event instanceof TaskEvent.Completed) {
					this.probe.currentRun().completed();
				}
			};
			this.dispatcher = new DefaultTaskDispatcher(this.driver, registry, codec, queue, Runnable::run,
					AsyncTasqEventListener.NONE);
			TaskOptions defaults = new TaskOptions(queue, 3, Duration.ZERO, Duration.ofSeconds(1), null, null, 0.0,
					Duration.ofSeconds(60)).orElse(TaskOptions.DEFAULTS);
			this.worker = new Worker(this.driver, registry, codec, new WorkerSettings(List.of(queue), concurrency, concurrency,
					Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(10), ExecutorMode.AUTO, defaults),
					listener);
		}

		void assertDrained() {
			QueueCounts counts = this.driver.counts(this.queue);
			if (!counts.equals(QueueCounts.EMPTY)) {
				throw new IllegalStateException("Queue " + this.queue + " not drained: " + counts);
			}
		}

		@Override
		public void close() {
			this.worker.stop();
			this.worker.close();
			this.dispatcher.close();
			this.driver.close();
		}

	}

}
