package io.asynctasq.samples.benchmark;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options, {@code --name=value}. Defaults suit a 2-core machine with the servers on
 * loopback: 2 producer threads (one per core) dispatching in batches of 100 ({@code dispatchAll}), and a
 * worker of concurrency 64, enough to keep a network round trip per task from limiting no-op throughput;
 * 3 seconds of warm-up bursts per driver, so that what is measured is the JIT-compiled steady state.
 */
record BenchmarkOptions(List<String> drivers, List<String> scenarios, int tasks, int producers, int batch,
		int concurrency, int runs, int trickleRate, int trickleTasks, int warmupSeconds, int backlog, int deadLetters,
		int queues, Path output) {

	static final List<String> ALL_DRIVERS = List.of("memory", "redis", "rabbitmq", "postgresql", "mariadb", "sqs");

	/** {@code standard}: burst, one by one, trickle, resources, raw limit; {@code scale}: {@link ScaleScenarios}. */
	static final List<String> ALL_SCENARIOS = List.of("standard", "scale");

	static BenchmarkOptions parse(String[] args) {
		Map<String, String> values = new HashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--") || !arg.contains("=")) {
				throw new IllegalArgumentException("Expected --name=value, got '" + arg + "'. " + usage());
			}
			int eq = arg.indexOf('=');
			values.put(arg.substring(2, eq), arg.substring(eq + 1));
		}
		String driver = values.getOrDefault("driver", "all");
		List<String> drivers = driver.equals("all") ? ALL_DRIVERS : Arrays.asList(driver.split(","));
		for (String name : drivers) {
			if (!ALL_DRIVERS.contains(name)) {
				throw new IllegalArgumentException("Unknown driver '" + name + "'; choose from " + ALL_DRIVERS
						+ " or all");
			}
		}
		List<String> scenarios = Arrays.asList(values.getOrDefault("scenarios", "standard").split(","));
		for (String name : scenarios) {
			if (!ALL_SCENARIOS.contains(name)) {
				throw new IllegalArgumentException("Unknown scenario '" + name + "'; choose from " + ALL_SCENARIOS);
			}
		}
		return new BenchmarkOptions(drivers, scenarios, intValue(values, "tasks", 20_000),
				intValue(values, "producers", 2), intValue(values, "batch", 100), intValue(values, "concurrency", 64),
				intValue(values, "runs", 3), intValue(values, "trickle-rate", 200),
				intValue(values, "trickle-tasks", 1_000), intValue(values, "warmup-seconds", 3),
				intValue(values, "backlog", 1_000_000), intValue(values, "dead-letters", 1_000_000),
				intValue(values, "queues", 50), Path.of(values.getOrDefault("output", "target/benchmark-results.json")));
	}

	static String usage() {
		return "Options: --driver=all|" + String.join("|", ALL_DRIVERS)
				+ " --tasks=20000 --producers=2 --batch=100 --concurrency=64 --runs=3 --trickle-rate=200 --trickle-tasks=1000"
				+ " --warmup-seconds=3 --scenarios=standard|scale|standard,scale --backlog=1000000 --dead-letters=1000000"
				+ " --queues=50 --output=target/benchmark-results.json";
	}

	private static int intValue(Map<String, String> values, String name, int fallback) {
		String value = values.get(name);
		if (value == null) {
			return fallback;
		}
		int parsed = Integer.parseInt(value.replace("_", ""));
		if (parsed < 1) {
			throw new IllegalArgumentException("--" + name + " must be at least 1");
		}
		return parsed;
	}

}
