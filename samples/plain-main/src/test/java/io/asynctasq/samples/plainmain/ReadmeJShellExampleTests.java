package io.asynctasq.samples.plainmain;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jdk.jshell.Diag;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's JShell session, evaluated as JShell does it: each {@code jshell>} line in a JShell of its own
 * (a second JVM, as the {@code jshell} tool starts), on the sample's classpath. A line followed by
 * {@code $n ==> value} must show that value; a task's status is looked at again until it does, as a user
 * types the line again.
 */
class ReadmeJShellExampleTests {

	private static final String PROMPT = "jshell> ";

	@Test
	void theReadmesJShellSessionDispatchesAndRunsATask() throws Exception {
		List<Step> steps = readmeSession();
		assertThat(steps).hasSizeGreaterThanOrEqualTo(5);
		assertThat(steps).filteredOn((step) -> step.expected() != null).isNotEmpty();
		ByteArrayOutputStream output = new ByteArrayOutputStream();
		PrintStream console = new PrintStream(output, true, StandardCharsets.UTF_8);
		try (JShell shell = JShell.builder().out(console).err(console).build()) {
			for (String entry : applicationClasspath()) {
				shell.addToClasspath(entry);
			}
			for (Step step : steps) {
				if (step.expected() == null) {
					evaluate(shell, step.input(), output);
				}
				else {
					await().atMost(Duration.ofSeconds(20))
						.pollInterval(Duration.ofMillis(100))
						.untilAsserted(() -> assertThat(evaluate(shell, step.input(), output)).as(step.input())
							.isEqualTo(step.expected()));
				}
			}
		}
		assertThat(output.toString(StandardCharsets.UTF_8)).contains("offline after 1 processed task attempt(s)");
	}

	/**
	 * Evaluates one line as the tool does (it completes a statement without its semicolon); it must compile and
	 * run without an exception. Returns the value it showed.
	 */
	private static String evaluate(JShell shell, String input, ByteArrayOutputStream output) {
		List<SnippetEvent> events = new ArrayList<>();
		String remaining = input;
		while (!remaining.isBlank()) {
			SourceCodeAnalysis.CompletionInfo completion = shell.sourceCodeAnalysis().analyzeCompletion(remaining);
			assertThat(completion.completeness().isComplete()).as(input + ": " + completion.completeness()).isTrue();
			events.addAll(shell.eval(completion.source()));
			remaining = completion.remaining();
		}
		assertThat(events).as(input).isNotEmpty();
		String value = null;
		for (SnippetEvent event : events) {
			List<String> errors = shell.diagnostics(event.snippet())
				.filter(Diag::isError)
				.map((diag) -> diag.getMessage(null))
				.toList();
			assertThat(errors).as(input).isEmpty();
			assertThat(event.exception()).as(input + "\n" + output.toString(StandardCharsets.UTF_8)).isNull();
			assertThat(event.status()).as(input).isEqualTo(Snippet.Status.VALID);
			if (event.causeSnippet() == null) {
				value = event.value();
			}
		}
		return value;
	}

	/** The README's {@code jshell} block: each prompt line, with the value the line after it shows, if any. */
	private static List<Step> readmeSession() throws Exception {
		List<String> lines = Files.readAllLines(Path.of("../../README.md"), StandardCharsets.UTF_8);
		int start = lines.indexOf("```jshell");
		assertThat(start).as("a ```jshell block in the README").isNotNegative();
		List<Step> steps = new ArrayList<>();
		for (int i = start + 1; !lines.get(i).equals("```"); i++) {
			String line = lines.get(i);
			if (line.startsWith(PROMPT)) {
				steps.add(new Step(line.substring(PROMPT.length()), null));
			}
			else {
				int arrow = line.indexOf(" ==> ");
				assertThat(arrow).as("a prompt line or a value line: " + line).isPositive();
				Step last = steps.remove(steps.size() - 1);
				steps.add(new Step(last.input(), line.substring(arrow + " ==> ".length())));
			}
		}
		return steps;
	}

	/** This test's classpath without the test classes: the sample's classes and its dependencies. */
	private static List<String> applicationClasspath() {
		return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
			.filter((entry) -> !entry.endsWith("test-classes"))
			.toList();
	}

	private record Step(String input, String expected) {
	}

}
