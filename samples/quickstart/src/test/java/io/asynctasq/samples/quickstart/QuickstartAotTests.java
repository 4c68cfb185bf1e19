package io.asynctasq.samples.quickstart;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quickstart as processed ahead of time by the build ({@code spring-boot:process-aot}): the hints a
 * native image is built with name what the starter reflects on, and run with {@code -Dspring.aot.enabled=true}
 * in a JVM of its own, on the generated bean definitions, it runs its tasks as it does without AOT.
 */
class QuickstartAotTests {

	private static final String METADATA = "META-INF/native-image/io.asynctasq/asynctasq-sample-quickstart/"
			+ "reachability-metadata.json";

	@Test
	void theNativeImageHintsNameWhatTheStarterReflectsOn() throws IOException {
		JsonNode metadata;
		try (InputStream in = QuickstartAotTests.class.getClassLoader().getResourceAsStream(METADATA)) {
			assertThat(in).as(METADATA).isNotNull();
			metadata = JsonMapper.builder().build().readTree(in);
		}
		JsonNode tasks = entry(metadata.get("reflection"), QuickstartTasks.class.getName());
		assertThat(tasks.get("methods").findValuesAsString("name")).contains("sendWelcomeEmail", "importOrders",
				"sendReminder", "chargeCard");
		// QuickstartRunner dispatches QuickstartTasks::importOrders
		assertThat(metadata.get("reflection").valueStream().map((hint) -> hint.path("type").path("lambda")))
			.anySatisfy((lambda) -> {
				assertThat(lambda.path("declaringClass").asString()).isEqualTo(QuickstartRunner.class.getName());
				assertThat(lambda.path("interfaces").get(0).asString()).isEqualTo("io.asynctasq.TaskMethod$Of2");
			});
		assertThat(metadata.get("resources").findValuesAsString("glob")).contains("io/asynctasq/driver/redis/*.lua",
				"io/asynctasq/driver/redis/lib/*.lua", "io/asynctasq/driver/jdbc/schema-*.sql");
	}

	private static JsonNode entry(JsonNode hints, String type) {
		return hints.valueStream()
			.filter((hint) -> hint.path("type").isString() && hint.path("type").asString().equals(type))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no reflection hint for " + type));
	}

	@Test
	void runsItsTasksWithTheGeneratedBeanDefinitions(@TempDir Path directory) throws Exception {
		assertThat(QuickstartAotTests.class.getResource("QuickstartApplication__ApplicationContextInitializer.class"))
			.as("the class spring-boot:process-aot generates").isNotNull();
		Path log = directory.resolve("quickstart.log");
		Process quickstart = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(),
				"-Dspring.aot.enabled=true", "-cp", applicationClasspath(), QuickstartApplication.class.getName())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		try {
			assertThat(quickstart.waitFor(60, TimeUnit.SECONDS)).as("the quickstart ends within 60 s").isTrue();
			String output = Files.readString(log, StandardCharsets.UTF_8);
			assertThat(quickstart.exitValue()).as(output).isZero();
			assertThat(output).contains("Starting AOT-processed QuickstartApplication")
				.contains("'send-welcome-email' completed on attempt 1")
				.contains("'import-orders' completed on attempt 3")
				.contains("'send-reminder' completed on attempt 1")
				.contains("'charge-card' moved to the dead-letter queue")
				.contains("Quickstart done: 4 tasks settled");
		}
		finally {
			quickstart.destroyForcibly();
		}
	}

	/** This test's classpath without the test classes: the application's classes and its dependencies. */
	private static String applicationClasspath() throws IOException {
		return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
			.filter((entry) -> !entry.endsWith("test-classes"))
			.collect(Collectors.joining(File.pathSeparator));
	}

}
