package io.asynctasq.samples.plainmain;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the sample as a user does, in a JVM of its own: every report is built and the runtime released, whether
 * {@code main} closes it or leaves that to the JVM shutdown hook.
 */
class PlainMainTests {

	@Test
	void mainClosesTheRuntimeAndTheJvmExits(@TempDir Path directory) throws Exception {
		String output = run(directory, (process) -> {
		}, 0);
		assertThat(output).contains("Report for north built", "Report for south built", "Report for east built")
			.contains("main closed the runtime")
			.doesNotContain("closed by the JVM shutdown hook");
		assertThat(output.indexOf("offline after 3 processed")).as(output)
			.isPositive()
			.isLessThan(output.indexOf("main closed the runtime"));
	}

	@Test
	void runtimeLeftOpenAtExitIsClosedByTheShutdownHook(@TempDir Path directory) throws Exception {
		String output = run(directory, (process) -> {
		}, 0, "--exit");
		assertThat(output).contains("Report for east built")
			.contains("main exits without closing the runtime")
			.contains("AsyncTasQ runtime closed by the JVM shutdown hook")
			.contains("offline after 3 processed");
	}

	@Test
	void workerLeftRunningKeepsTheJvmUntilItIsStoppedThenTheShutdownHookClosesIt(@TempDir Path directory)
			throws Exception {
		Path log = directory.resolve("plain-main.log");
		String output = run(directory, (process) -> {
			await().atMost(Duration.ofSeconds(30)).until(() -> read(log).contains("main returns without closing"));
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(process::isAlive);
			process.destroy(); // SIGTERM, as a deploy stops a worker
		}, 143, "--leave-open");
		assertThat(output).contains("Report for east built")
			.contains("AsyncTasQ runtime closed by the JVM shutdown hook")
			.contains("offline after 3 processed");
	}

	private static String run(Path directory, Consumer<Process> whileRunning, int exitValue, String... args)
			throws Exception {
		Path log = directory.resolve("plain-main.log");
		List<String> command = new ArrayList<>(List.of(new File(System.getProperty("java.home"), "bin/java").getPath(),
				"-cp", applicationClasspath(), PlainMain.class.getName()));
		command.addAll(Arrays.asList(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			whileRunning.accept(process);
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the program ends").isTrue();
			String output = read(log);
			assertThat(process.exitValue()).as(output).isEqualTo(exitValue);
			return output;
		}
		finally {
			process.destroyForcibly();
		}
	}

	private static String read(Path log) {
		try {
			return Files.readString(log, StandardCharsets.UTF_8);
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	/** This test's classpath without the test classes: the program's classes and its dependencies. */
	private static String applicationClasspath() {
		return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
			.filter((entry) -> !entry.endsWith("test-classes"))
			.collect(Collectors.joining(File.pathSeparator));
	}

}
