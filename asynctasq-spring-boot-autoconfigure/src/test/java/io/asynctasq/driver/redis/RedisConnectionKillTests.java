package io.asynctasq.driver.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.types.RedisClientInfo;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker's Redis connections are killed (CLIENT KILL) while tasks run and while it waits idle;
 * it reconnects by itself and every task completes.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisConnectionKillTests {

	private final String prefix = "kill-" + UUID.randomUUID().toString().substring(0, 8);

	private final String clientName = "asynctasq-" + this.prefix;

	private LettuceConnectionFactory admin;

	private LettuceConnectionFactory workerConnections;

	@BeforeEach
	void connect() {
		this.admin = RedisTestSupport.connectionFactory("asynctasq-kill-admin");
		this.workerConnections = RedisTestSupport.connectionFactory(this.clientName);
	}

	@AfterEach
	void cleanUp() {
		RedisTestSupport.deleteKeys(this.admin, this.prefix);
		this.workerConnections.destroy();
		this.admin.destroy();
	}

	@Test
	void theWorkerRecoversWhenItsConnectionsAreKilledWhileRunningAndWhileIdle() throws Exception {
		GatedTasks tasks = new GatedTasks();
		try (AsyncTasqRuntime runtime = AsyncTasq.builder()
			.driver(new RedisDriver(this.workerConnections, this.prefix, this.clientName))
			.tasks(tasks)
			.queues("kill")
			.concurrency(4)
			.pollInterval(Duration.ofMillis(500))
			.taskDefaults(new TaskOptions("kill", 3, null, Duration.ofMillis(100), null, null, 0.0, Duration.ofSeconds(10)))
			.build()) {
			for (int i = 0; i < 12; i++) {
				runtime.dispatcher().dispatch("kill-test.work", i);
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> tasks.started.size() == 4);

			assertThat(killWorkerConnections()).as("connections killed while tasks run").isPositive();
			tasks.gate.countDown();
			await().atMost(Duration.ofSeconds(30)).until(() -> tasks.completed.size() == 12
					&& runtime.driver().counts("kill").equals(QueueCounts.EMPTY));

			// now idle, blocked on the server: kill its connections again, then dispatch more
			await().atMost(Duration.ofSeconds(10)).until(() -> workerConnectionCount() >= 2);
			assertThat(killWorkerConnections()).as("connections killed while idle").isGreaterThanOrEqualTo(2);
			for (int i = 12; i < 17; i++) {
				runtime.dispatcher().dispatch("kill-test.work", i);
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> tasks.completed.size() == 17
					&& runtime.driver().counts("kill").equals(QueueCounts.EMPTY));
			assertThat(workerConnectionCount()).as("reconnected").isPositive();
		}
		assertThat(tasks.completed.keySet()).hasSize(17);
	}

	private int killWorkerConnections() {
		int killed = 0;
		try (RedisConnection connection = this.admin.getConnection()) {
			for (RedisClientInfo client : workerClients(connection)) {
				String[] address = client.getAddressPort().split(":");
				connection.serverCommands().killClient(address[0], Integer.parseInt(address[1]));
				killed++;
			}
		}
		return killed;
	}

	private int workerConnectionCount() {
		try (RedisConnection connection = this.admin.getConnection()) {
			return workerClients(connection).size();
		}
	}

	private List<RedisClientInfo> workerClients(RedisConnection connection) {
		return connection.serverCommands().getClientList().stream()
			.filter((client) -> this.clientName.equals(client.getName()))
			.toList();
	}

	/** Tasks that wait for the gate, so the connections can be killed while they run. */
	public static final class GatedTasks {

		final CountDownLatch gate = new CountDownLatch(1);

		final Set<Integer> started = ConcurrentHashMap.newKeySet();

		final Map<Integer, Integer> completed = new ConcurrentHashMap<>();

		@Task(name = "kill-test.work")
		public void work(int number, TaskContext context) throws InterruptedException {
			this.started.add(number);
			if (!this.gate.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("gate never opened");
			}
			this.completed.merge(number, context.attempt(), Math::max);
		}

	}

}
