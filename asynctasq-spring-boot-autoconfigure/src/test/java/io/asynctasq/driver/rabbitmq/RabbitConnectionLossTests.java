package io.asynctasq.driver.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.tck.CuttableProxy;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.boot.health.contributor.Status;

/**
 * A worker's broker connection is lost while it runs tasks, closed by the broker
 * ({@code rabbitmqctl close_connection}) or cut on the network for a while: the broker redelivers the
 * tasks reserved then, and those that were running run again with the same attempt (a redelivery after a
 * connection loss does not count one); every other task runs once, none is lost, and health is DOWN
 * meanwhile.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RabbitConnectionLossTests {

	private static final Logger logger = LoggerFactory.getLogger(RabbitConnectionLossTests.class);

	private static final int TASKS = 20;

	@Test
	void everyTaskCompletesAfterTheWorkersConnectionIsForcedClosed() throws Exception {
		String prefix = RabbitTestBroker.newPrefix();
		String queue = "loss";
		CachingConnectionFactory factory = RabbitTestBroker.connectionFactory();
		RabbitDriver driver = RabbitTestBroker.driver(factory, prefix);
		Jobs jobs = new Jobs();
		AsyncTasqRuntime runtime = AsyncTasq.builder()
			.driver(driver)
			.tasks(jobs)
			.taskDefaults(new TaskOptions(queue, 5, null, Duration.ofMillis(100), null, null, 0.0, null))
			.concurrency(4)
			.prefetch(2)
			.pollInterval(Duration.ofMillis(200))
			.build();
		try {
			for (int i = 0; i < TASKS; i++) {
				runtime.dispatcher().dispatch("Jobs.work", i);
			}
			// four running, two more reserved by the worker ahead of a free thread
			Awaitility.await().atMost(Duration.ofSeconds(20))
				.until(() -> jobs.running.get() == 4 && driver.counts(queue).inFlight() == 6);
			Set<Integer> running = Set.copyOf(jobs.attempts.keySet());
			int connectionPort = factory.createConnection().getLocalPort();

			forceClose(factory, connectionPort);
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
				try {
					return factory.createConnection().getLocalPort() != connectionPort;
				}
				catch (RuntimeException ex) {
					return false;
				}
			});
			jobs.gate.countDown();

			jobs.awaitDone(driver, queue, TASKS, running);
			logger.info("{} tasks completed after a forced connection close, {} runs in all ({} ran again after the "
					+ "redelivery)", jobs.completed.size(), jobs.runs.get(), jobs.runs.get() - TASKS);
			jobs.assertRedelivered(TASKS, running, 6);
		}
		finally {
			runtime.close();
			RabbitTestBroker.deleteTopology(prefix, List.of(queue));
			factory.destroy();
		}
	}

	@Test
	void duringABrokerOutageHealthIsDownDispatchFailsAndAfterItEveryTaskCompletes() throws Exception {
		String prefix = RabbitTestBroker.newPrefix();
		String queue = "outage";
		try (CuttableProxy proxy = new CuttableProxy(RabbitTestBroker.PORT)) {
			CachingConnectionFactory factory = new CachingConnectionFactory(RabbitTestBroker.HOST, proxy.port());
			factory.setUsername("guest");
			factory.setPassword("guest");
			RabbitDriver driver = RabbitTestBroker.driver(factory, prefix);
			AsyncTasqHealthIndicator health = new AsyncTasqHealthIndicator(driver, List.of(queue));
			Jobs jobs = new Jobs();
			AsyncTasqRuntime runtime = AsyncTasq.builder()
				.driver(driver)
				.tasks(jobs)
				.taskDefaults(new TaskOptions(queue, 5, null, Duration.ofMillis(100), null, null, 0.0, null))
				.concurrency(2)
				.prefetch(2)
				.pollInterval(Duration.ofMillis(200))
				.build();
			try {
				assertThat(health.health().getStatus()).isEqualTo(Status.UP);
				for (int i = 0; i < 10; i++) {
					runtime.dispatcher().dispatch("Jobs.work", i);
				}
				Awaitility.await().atMost(Duration.ofSeconds(20))
					.until(() -> jobs.running.get() == 2 && driver.counts(queue).inFlight() == 4);
				Set<Integer> running = Set.copyOf(jobs.attempts.keySet());

				proxy.cut();
				Awaitility.await().atMost(Duration.ofSeconds(10))
					.until(() -> health.health().getStatus().equals(Status.DOWN));
				assertThatThrownBy(() -> runtime.dispatcher().dispatch("Jobs.work", 99))
					.hasRootCauseInstanceOf(java.net.ConnectException.class);
				jobs.gate.countDown();

				proxy.restore();
				jobs.awaitDone(driver, queue, 10, running);
				assertThat(health.health().getStatus()).isEqualTo(Status.UP);
				logger.info("10 tasks completed across a broker outage, {} runs in all", jobs.runs.get());
				jobs.assertRedelivered(10, running, 4);
			}
			finally {
				runtime.close();
				RabbitTestBroker.deleteTopology(prefix, List.of(queue));
				factory.destroy();
			}
		}
	}

	/** Has the broker close the connection on {@code port}; without rabbitmqctl, aborts it from the client. */
	private static void forceClose(CachingConnectionFactory factory, int port) throws Exception {
		try {
			Process list = new ProcessBuilder("rabbitmqctl", "-q", "list_connections", "--no-table-headers", "pid",
					"name")
				.redirectErrorStream(true)
				.start();
			String pid = null;
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(list.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line = reader.readLine(); line != null; line = reader.readLine()) {
					if (line.contains(":" + port + " -> ")) {
						pid = line.split("\t")[0].trim();
					}
				}
			}
			list.waitFor(30, TimeUnit.SECONDS);
			if (pid != null) {
				Process close = new ProcessBuilder("rabbitmqctl", "-q", "close_connection", pid, "forced by a test")
					.redirectErrorStream(true)
					.start();
				close.getInputStream().readAllBytes();
				if (close.waitFor(30, TimeUnit.SECONDS) && close.exitValue() == 0) {
					logger.info("The broker closed connection {} (local port {})", pid, port);
					return;
				}
			}
		}
		catch (IOException ex) {
			logger.info("rabbitmqctl is not available ({}); aborting the connection from the client", ex.getMessage());
		}
		factory.createConnection().getDelegate().abort();
	}

	static class Jobs {

		final CountDownLatch gate = new CountDownLatch(1);

		final AtomicInteger running = new AtomicInteger();

		final AtomicInteger runs = new AtomicInteger();

		final Set<Integer> completed = ConcurrentHashMap.newKeySet();

		/** The attempt of every run, per task number. */
		final Map<Integer, List<Integer>> attempts = new ConcurrentHashMap<>();

		@Task
		public void work(int number, TaskContext context) throws InterruptedException {
			this.attempts.computeIfAbsent(number, (key) -> new CopyOnWriteArrayList<>()).add(context.attempt());
			this.runs.incrementAndGet();
			this.running.incrementAndGet();
			try {
				this.gate.await(30, TimeUnit.SECONDS);
				this.completed.add(number);
			}
			finally {
				this.running.decrementAndGet();
			}
		}

		/** Waits until every task completed, those running at the loss ran again, and the queue is empty. */
		void awaitDone(RabbitDriver driver, String queue, int tasks, Set<Integer> running) {
			Awaitility.await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100))
				.until(() -> this.completed.size() == tasks && this.runs.get() >= tasks + running.size());
			Awaitility.await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(driver.counts(queue)).isEqualTo(QueueCounts.EMPTY));
		}

		/**
		 * Every one of {@code tasks} ran, every run as attempt 1: those {@code running} when the connection
		 * was lost twice (that run, then the broker's redelivery); the others the worker had reserved then
		 * ({@code reserved} in all) at most twice (the worker may still start one whose lease it lost, and
		 * the broker redelivers it); every other once.
		 */
		void assertRedelivered(int tasks, Set<Integer> running, int reserved) {
			assertThat(running).isNotEmpty();
			assertThat(this.completed).hasSize(tasks);
			assertThat(this.attempts).hasSize(tasks);
			assertThat(this.attempts.values()).allSatisfy((runs) -> assertThat(runs).containsOnly(1));
			running.forEach((number) -> assertThat(this.attempts.get(number)).as("runs of task %s, running at the "
					+ "connection loss", number).hasSize(2));
			Map<Integer, List<Integer>> others = new java.util.HashMap<>(this.attempts);
			others.keySet().removeAll(running);
			long ranAgain = others.values().stream().filter((runs) -> runs.size() > 1).count();
			assertThat(ranAgain).as("tasks not running at the loss that ran again").isLessThanOrEqualTo(
					reserved - running.size());
			assertThat(others.values()).allSatisfy((runs) -> assertThat(runs).hasSizeLessThanOrEqualTo(2));
			assertThat(this.runs.get()).isEqualTo(tasks + running.size() + (int) ranAgain);
		}

	}

}
