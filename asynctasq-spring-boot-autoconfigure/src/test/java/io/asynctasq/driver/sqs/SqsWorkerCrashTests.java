package io.asynctasq.driver.sqs;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker JVM killed with SIGKILL in the middle of its tasks loses nothing on SQS: once their visibility
 * timeouts pass, a second worker runs them, the lost attempt counted, and finishes every task once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SqsWorkerCrashTests {

	private final String prefix = "crash-" + UUID.randomUUID().toString().substring(0, 8) + "-";

	private ElasticMqServer server;

	private Process child;

	private AsyncTasqRuntime runtime;

	@BeforeEach
	void startServer() {
		this.server = ElasticMqServer.start();
	}

	@AfterEach
	void cleanUp() throws InterruptedException {
		if (this.child != null) {
			this.child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		if (this.runtime != null) {
			this.runtime.close();
		}
		this.server.close();
	}

	@Test
	void killedWorkersTasksAreFinishedByAnother() throws Exception {
		List<String> labels = new ArrayList<>();
		try (AsyncTasqRuntime producer = AsyncTasq.builder().driver(newDriver()).worker(false)
			.tasks(new RecordingTasks()).build()) {
			for (int i = 0; i < 6; i++) {
				labels.add("task-" + i);
				producer.dispatcher().dispatch("crash.work", "task-" + i);
			}
		}

		this.child = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(), "-cp",
				System.getProperty("java.class.path"), SqsCrashTestWorker.class.getName(), this.prefix,
				Integer.toString(this.server.port()))
			.redirectErrorStream(true)
			.start();
		Set<String> startedInChild = ConcurrentHashMap.newKeySet();
		Thread reader = new Thread(() -> {
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(this.child.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line; (line = lines.readLine()) != null;) {
					if (line.startsWith("STARTED ")) {
						startedInChild.add(line.split(" ")[1]);
					}
				}
			}
			catch (java.io.IOException ex) {
				// the child was killed
			}
		}, "crash-child-output");
		reader.setDaemon(true);
		reader.start();
		Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> startedInChild.size() == 2);

		this.child.destroyForcibly();
		assertThat(this.child.waitFor(10, TimeUnit.SECONDS)).isTrue();

		RecordingTasks tasks = new RecordingTasks();
		this.runtime = AsyncTasq.builder()
			.driver(newDriver())
			.tasks(tasks)
			.concurrency(2)
			.pollInterval(Duration.ofMillis(200))
			.taskDefaults(new TaskOptions(null, 5, null, Duration.ZERO, null, null, 0.0, Duration.ofSeconds(2)))
			.build();

		Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> tasks.attempts.keySet().containsAll(labels));
		assertThat(tasks.attempts).hasSize(labels.size());
		for (String label : labels) {
			int expected = startedInChild.contains(label) ? 2 : 1;
			assertThat(tasks.attempts.get(label)).as("attempt of %s", label).isEqualTo(expected);
		}
		assertThat(tasks.runs).as("each task ran once here").hasSize(labels.size());
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.until(() -> this.runtime.driver().counts("default").equals(QueueCounts.EMPTY));
	}

	private SqsDriver newDriver() {
		return new SqsDriver(this.server.client(), true, this.prefix, true, SqsDriver.DEFAULT_MAX_MESSAGE_SIZE,
				SqsDriver.DEFAULT_MAX_DELAY, SqsDriver.DEFAULT_CALL_TIMEOUT);
	}

	static final class RecordingTasks {

		final Map<String, Integer> attempts = new ConcurrentHashMap<>();

		final List<String> runs = java.util.Collections.synchronizedList(new ArrayList<>());

		@Task(name = "crash.work")
		public void work(String label, TaskContext context) {
			this.attempts.put(label, context.attempt());
			this.runs.add(label);
		}

	}

}
