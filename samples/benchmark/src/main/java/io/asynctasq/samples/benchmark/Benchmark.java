package io.asynctasq.samples.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the standard scenarios for each chosen driver (burst, burst with AsyncTasQ's metrics, one by one,
 * trickle, memory and idle CPU, raw limit: 3 measured runs after warm-up bursts of at most 5,000 tasks for 3 seconds, medians reported) and,
 * when asked, the {@link ScaleScenarios}; prints Markdown tables, and writes the raw figures to a JSON file.
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
		List<Report.Burst> meteredBursts = new ArrayList<>();
		List<Double> singleEnqueues = new ArrayList<>();
		List<double[]> trickles = new ArrayList<>();
		Report.Resources resources = null;
		List<Double> rawLimits = new ArrayList<>();
		if (this.options.scenarios().contains("standard")) {
			// plain and observed runs interleaved, so a drift of the machine weighs on both alike
			for (int run = 1; run <= this.options.runs(); run++) {
				logger.info("{}: burst run {}/{}", setup.label(), run, this.options.runs());
				bursts.add(burst(setup, this.options.tasks(), this.options.batch()));
				logger.info("{}: burst run with metrics and tracing {}/{}", setup.label(), run, this.options.runs());
				try (Observed observed = new Observed()) {
					meteredBursts.add(burst(setup, this.options.tasks(), this.options.batch(), observed));
				}
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
			resources = resources(setup);
			for (int run = 1; run <= this.options.runs(); run++) {
				OptionalDouble limit = setup.rawLimit(this.options.tasks());
				if (limit.isEmpty()) {
					break;
				}
				logger.info("{}: raw limit run {}/{}", setup.label(), run, this.options.runs());
				rawLimits.add(limit.getAsDouble());
			}
		}
		Report.Scale scale = null;
		if (this.options.scenarios().contains("scale")) {
			scale = new ScaleScenarios(this.options, this::nextQueue).measure(setup);
		}
		return new Report.Row(setup.label(), setup.versions(), bursts, meteredBursts, singleEnqueues, trickles,
				resources, rawLimits, scale);
	}

	/**
	 * Enqueues N tasks from P producers in batches ({@code dispatchAll}; 1 = one {@code dispatch} per
	 * task), then starts a worker of concurrency C and waits for the drain.
	 */
	private Report.Burst burst(DriverSetup setup, int tasks, int batch) throws Exception {
		return burst(setup, tasks, batch, null);
	}

	/** {@link #burst(DriverSetup, int, int)} with AsyncTasQ's meters and tracing when {@code observed} is not null. */
	private Report.Burst burst(DriverSetup setup, int tasks, int batch, @Nullable Observed observed)
			throws Exception {
		try (Harness harness = new Harness(setup, this.options.concurrency(), List.of(nextQueue()), observed)) {
			TaskProbe.Run run = harness.probe.begin(tasks);
			long enqueueNanos = harness.dispatch(tasks, this.options.producers(), batch);
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
			harness.worker.start();
			return harness.trickle(tasks, this.options.trickleRate(), RUN_TIMEOUT);
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
			double heap = JvmUse.heapMiBAfterGc();
			// let the JIT compiler and GC threads finish what the burst gave them, so only the idle worker is measured
			LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
			return new Report.Resources(heap, JvmUse.cpuPercentOver(Duration.ofSeconds(5)));
		}
	}

	private String nextQueue() {
		return "bench-" + ProcessHandle.current().pid() + "-" + (++this.runSequence);
	}

	static double seconds(long nanos) {
		return nanos / 1_000_000_000.0;
	}

}
