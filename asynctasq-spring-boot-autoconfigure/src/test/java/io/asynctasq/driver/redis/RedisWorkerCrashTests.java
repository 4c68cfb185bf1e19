package io.asynctasq.driver.redis;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker JVM is killed (SIGKILL, no graceful stop) in the middle of its tasks; a second worker
 * completes every task once the dead worker's leases expired: none is lost.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisWorkerCrashTests {

	private static final int TASKS = 20;

	private final String prefix = "crash-" + UUID.randomUUID().toString().substring(0, 8);

	private final String queue = "crash";

	private LettuceConnectionFactory connectionFactory;

	private Process crashingWorker;

	@BeforeEach
	void connect() {
		this.connectionFactory = RedisTestSupport.connectionFactory("asynctasq-crash-test");
	}

	@AfterEach
	void cleanUp() throws InterruptedException {
		if (this.crashingWorker != null && this.crashingWorker.isAlive()) {
			this.crashingWorker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	@Test
	void tasksOfAKilledWorkerAreCompletedByAnotherOnceTheirLeasesExpire() throws Exception {
		TaskOptions defaults = new TaskOptions(this.queue, 3, null, Duration.ofMillis(100), null, null, 0.0,
				Duration.ofSeconds(2));
		try (AsyncTasqRuntime dispatchOnly = AsyncTasq.builder()
			.driver(new RedisDriver(this.connectionFactory, this.prefix))
			.tasks(new CompletingTasks())
			.worker(false)
			.taskDefaults(defaults)
			.build()) {
			for (int i = 0; i < TASKS; i++) {
				dispatchOnly.dispatcher().dispatch("crash-test.work", i);
			}
			assertThat(dispatchOnly.driver().counts(this.queue)).isEqualTo(new QueueCounts(TASKS, 0, 0, 0));
		}

		this.crashingWorker = startCrashingWorker();
		await().atMost(Duration.ofSeconds(30)).until(() -> started().size() == 4);
		this.crashingWorker.destroyForcibly();
		assertThat(this.crashingWorker.waitFor(10, TimeUnit.SECONDS)).isTrue();
		Set<Integer> interrupted = started();

		CompletingTasks tasks = new CompletingTasks();
		try (AsyncTasqRuntime survivor = AsyncTasq.builder()
			.driver(new RedisDriver(this.connectionFactory, this.prefix))
			.tasks(tasks)
			.queues(this.queue)
			.concurrency(4)
			.pollInterval(Duration.ofMillis(200))
			.taskDefaults(defaults)
			.build()) {
			await().atMost(Duration.ofSeconds(30)).until(() -> tasks.completed.size() == TASKS
					&& survivor.driver().counts(this.queue).equals(QueueCounts.EMPTY));
			assertThat(((RedisDriver) ((DriverFacade) survivor.driver()).driver()).totals(this.queue).completed()).isEqualTo(TASKS);
		}
		assertThat(tasks.completed.keySet()).containsExactlyInAnyOrderElementsOf(
				IntStream.range(0, TASKS).boxed().toList());
		assertThat(interrupted).hasSize(4);
		for (int number : interrupted) {
			assertThat(tasks.completed.get(number)).as("attempt completing task %d, killed on attempt 1", number)
				.isEqualTo(2);
		}
		Map<Integer, Integer> others = tasks.completed.entrySet().stream()
			.filter((entry) -> !interrupted.contains(entry.getKey()))
			.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
		assertThat(others.values()).allSatisfy((attempt) -> assertThat(attempt).isEqualTo(1));
	}

	private Process startCrashingWorker() throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
				System.getProperty("java.class.path"), CrashingWorkerMain.class.getName(), this.prefix, this.queue));
		File log = new File("target/crashing-worker-" + this.prefix + ".log");
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

	private Set<Integer> started() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			Set<byte[]> members = connection.setCommands()
				.sMembers((this.prefix + ":started").getBytes(StandardCharsets.UTF_8));
			return (members == null) ? Set.of()
					: members.stream().map((m) -> Integer.valueOf(new String(m, StandardCharsets.UTF_8)))
						.collect(Collectors.toSet());
		}
	}

	/** The same task name as the crashing worker's; records which attempt completed each task. */
	public static final class CompletingTasks {

		final Map<Integer, Integer> completed = new ConcurrentHashMap<>();

		@Task(name = "crash-test.work")
		public void work(int number, TaskContext context) {
			this.completed.merge(number, context.attempt(), Math::max);
		}

	}

}
