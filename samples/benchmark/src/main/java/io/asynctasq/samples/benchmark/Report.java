package io.asynctasq.samples.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Medians of the runs, as a Markdown table and as JSON with every run's figures. */
final class Report {

	private final BenchmarkOptions options;

	private final List<Row> rows;

	private final Instant finishedAt = Instant.now();

	Report(BenchmarkOptions options, List<Row> rows) {
		this.options = options;
		this.rows = rows;
	}

	String markdown() {
		StringBuilder out = new StringBuilder();
		out.append(String.format(Locale.ROOT, "AsyncTasQ benchmark, %s: %d cores, %s %s, %s%n", this.finishedAt,
				Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
				System.getProperty("java.version"), System.getProperty("os.name")));
		out.append(String.format(Locale.ROOT,
				"burst: %,d no-op tasks from %d producers in batches of %d, worker concurrency %d; one by one: %,d "
						+ "tasks; trickle: %,d tasks at %d/s; medians of %d runs after %d s of warm-up; with metrics and "
						+ "tracing: AsyncTasQ's meters in a SimpleMeterRegistry, and its observations as timers and Brave "
						+ "spans (Boot's defaults: 10 %% sampled, W3C propagation, MDC), runs interleaved with the plain ones%n%n",
				this.options.tasks(), this.options.producers(), this.options.batch(), this.options.concurrency(),
				Math.max(1, this.options.tasks() / 4),
				this.options.trickleTasks(), this.options.trickleRate(), this.options.runs(),
				this.options.warmupSeconds()));
		List<Row> standard = this.rows.stream().filter((row) -> !row.bursts().isEmpty()).toList();
		if (!standard.isEmpty()) {
			standardTable(out, standard);
		}
		List<Row> scaled = this.rows.stream().filter((row) -> row.scale() != null).toList();
		if (!scaled.isEmpty()) {
			scaleTables(out, scaled);
		}
		out.append("\nBackends: ");
		this.rows.forEach((row) -> out.append(row.driver()).append(" = ").append(row.versions()).append("; "));
		return out.toString();
	}

	private void standardTable(StringBuilder out, List<Row> rows) {
		out.append("| driver | enqueue/s batched | enqueue/s one by one | processed/s | with metrics and tracing (change) "
				+ "| raw limit/s (processed / limit) "
				+ "| burst dispatch→start p50 / p99 / max (ms) | trickle p50 / p99 / max (ms) "
				+ "| heap after burst (MiB) | idle CPU (% of a core) |\n");
		out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (Row row : rows) {
			double processed = median(row.bursts(), Burst::processedPerSecond);
			double limit = median(row.rawLimits(), Double::doubleValue);
			String limitColumn = row.rawLimits().isEmpty() ? "—"
					: String.format(Locale.ROOT, "%,.0f (%.0f %%)", limit, 100 * processed / limit);
			double metered = median(row.meteredBursts(), Burst::processedPerSecond);
			out.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %,.0f (%+.1f %%) | %s | %s | %s | %.0f | %.1f |%n",
					row.driver(), median(row.bursts(), Burst::enqueuePerSecond),
					median(row.singleEnqueues(), Double::doubleValue), processed, metered,
					100 * (metered - processed) / processed, limitColumn,
					triple(medianTriple(row.bursts().stream().map(Burst::latencyMillis).toList())),
					triple(medianTriple(row.trickles())), row.resources().heapMiB(), row.resources().idleCpuPercent()));
		}
	}

	private void scaleTables(StringBuilder out, List<Row> rows) {
		out.append(String.format(Locale.ROOT,
				"%nScale: a backlog of %,d queued before the worker starts, beside a burst of %,d; a page of %d dead "
						+ "letters at 10 and at %,d; a worker serving %d queues, idle, then a trickle of %,d tasks at %d/s "
						+ "spread over them%n%n",
				this.options.backlog(), this.options.tasks(), ScaleScenarios.PAGE, this.options.deadLetters(), this.options.queues(),
				this.options.trickleTasks(), this.options.trickleRate()));
		out.append("| driver | enqueue/s at 0 / at backlog | counts at backlog (ms) | processed/s burst / backlog (ratio) "
				+ "| raw limit/s | heap mid-drain burst / backlog (MiB) |\n");
		out.append("|---|---:|---:|---:|---:|---:|\n");
		for (Row row : rows) {
			Backlog burst = row.scale().reference();
			Backlog backlog = row.scale().backlog();
			String limit = row.rawLimits().isEmpty() ? "—"
					: String.format(Locale.ROOT, "%,.0f", median(row.rawLimits(), Double::doubleValue));
			out.append(String.format(Locale.ROOT, "| %s | %,.0f / %,.0f | %.2f | %,.0f / %,.0f (%.2f) | %s | %.0f / %.0f |%n",
					row.driver(), backlog.enqueueFirstPerSecond(), backlog.enqueueLastPerSecond(),
					backlog.countsMillis(), burst.processedPerSecond(), backlog.processedPerSecond(),
					backlog.processedPerSecond() / burst.processedPerSecond(), limit, burst.heapMidDrainMiB(),
					backlog.heapMidDrainMiB()));
		}
		out.append("\n| driver | page of dead letters at 10 / at many (ms) | counts at many (ms) | dead-lettered/s "
				+ "while filling | purge of many (ms) | idle CPU, many queues (% of a core) | trickle over many queues "
				+ "p50 / p99 / max (ms) |\n");
		out.append("|---|---:|---:|---:|---:|---:|---:|\n");
		for (Row row : rows) {
			DeadLetterPages dead = row.scale().deadLetters();
			ManyQueues many = row.scale().manyQueues();
			out.append(String.format(Locale.ROOT, "| %s | %.2f / %.2f | %.2f | %,.0f | %,.0f | %.1f | %s |%n",
					row.driver(), dead.fewPageMillis(), dead.manyPageMillis(), dead.manyCountsMillis(),
					dead.fillPerSecond(), dead.purgeMillis(), many.idleCpuPercent(), triple(many.trickleMillis())));
		}
	}

	void writeJson(Path file) throws IOException {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("finishedAt", this.finishedAt.toString());
		root.put("cores", Runtime.getRuntime().availableProcessors());
		root.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
		root.put("options", this.options.toString());
		List<Map<String, Object>> drivers = new ArrayList<>();
		for (Row row : this.rows) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("driver", row.driver());
			entry.put("versions", row.versions());
			entry.put("burstRuns", row.bursts());
			entry.put("burstWithMetricsRuns", row.meteredBursts());
			entry.put("oneByOneEnqueuePerSecond", row.singleEnqueues());
			entry.put("trickleRunsMillis", row.trickles());
			entry.put("resources", row.resources());
			entry.put("rawLimitRunsPerSecond", row.rawLimits());
			entry.put("scale", row.scale());
			drivers.add(entry);
		}
		root.put("drivers", drivers);
		Path parent = file.toAbsolutePath().getParent();
		if (parent != null) {
			Files.createDirectories(parent);
		}
		Files.writeString(file,
				JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(root));
	}

	private static <T> double median(List<T> values, ToDoubleFunction<T> field) {
		double[] sorted = values.stream().mapToDouble(field).sorted().toArray();
		return (sorted.length == 0) ? 0 : sorted[sorted.length / 2];
	}

	private static double[] medianTriple(List<double[]> runs) {
		double[] result = new double[3];
		for (int i = 0; i < 3; i++) {
			int column = i;
			double[] sorted = runs.stream().mapToDouble((run) -> run[column]).sorted().toArray();
			result[i] = (sorted.length == 0) ? 0 : sorted[sorted.length / 2];
		}
		return result;
	}

	private static String triple(double[] values) {
		return Arrays.stream(values).mapToObj((v) -> String.format(Locale.ROOT, "%.2f", v))
			.reduce((a, b) -> a + " / " + b)
			.orElse("");
	}

	record Burst(double enqueuePerSecond, double processedPerSecond, double[] latencyMillis) {
	}

	record Resources(double heapMiB, double idleCpuPercent) {
	}

	/**
	 * One driver's figures; the standard scenarios' lists are empty and {@code resources} null when only the
	 * scale scenarios ran, and {@code scale} is null when they did not.
	 * @param rawLimits the backend's raw limit ({@link RawLimit}) per run; empty where it is not measured
	 */
	record Row(String driver, String versions, List<Burst> bursts, List<Burst> meteredBursts, List<Double> singleEnqueues,
			List<double[]> trickles, @Nullable Resources resources, List<Double> rawLimits, @Nullable Scale scale) {
	}

	/** A queue filled before the worker starts, then drained; enqueue rates of its first and last burst-sized part. */
	record Backlog(int tasks, double enqueueFirstPerSecond, double enqueueLastPerSecond, double countsMillis,
			double processedPerSecond, double heapMidDrainMiB) {
	}

	record DeadLetterPages(int few, double fewPageMillis, int many, double manyPageMillis, double manyCountsMillis,
			double fillPerSecond, double purgeMillis) {
	}

	record ManyQueues(int queues, double idleCpuPercent, double[] trickleMillis) {
	}

	record Scale(Backlog reference, Backlog backlog, DeadLetterPages deadLetters, ManyQueues manyQueues) {
	}

}
