package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqHealthAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What the Redis driver does on a Redis Cluster of three masters beyond the TCK
 * ({@link RedisClusterDriverTests}): a queue lives in one slot, an idle worker on queues of several
 * nodes waits on each node without polling, scripts a node does not know yet are loaded there, and the
 * auto-configuration runs tasks on the factory Spring Boot builds from {@code spring.data.redis.cluster.nodes}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisClusterTests {

	/** Commands a client sends itself; commands run inside scripts are counted by Redis too, so not these. */
	private static final Set<String> TOP_LEVEL_COMMANDS = Set.of("cmdstat_evalsha", "cmdstat_eval",
			"cmdstat_bzpopmin", "cmdstat_zadd", "cmdstat_ping", "cmdstat_hello", "cmdstat_client|setname");

	private static PrivateRedisCluster cluster;

	private static ConfigurableApplicationContext redis;

	private static LettuceConnectionFactory connectionFactory;

	private final String prefix = "cluster-" + UUID.randomUUID().toString().substring(0, 8);

	private final List<RedisDriver> drivers = new ArrayList<>();

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = PrivateRedisCluster.start(3);
		redis = RedisTestSupport.springBootRedis("spring.data.redis.cluster.nodes=" + String.join(",", cluster.nodes()));
		connectionFactory = redis.getBean(LettuceConnectionFactory.class);
	}

	@AfterAll
	static void stopCluster() throws Exception {
		try {
			if (redis != null) {
				redis.close();
			}
		}
		finally {
			if (cluster != null) {
				cluster.close();
			}
		}
	}

	@AfterEach
	void cleanUp() {
		this.drivers.forEach(RedisDriver::close);
		RedisTestSupport.deleteKeys(connectionFactory, this.prefix);
	}

	@Test
	void everyKeyOfAQueueIsInTheQueuesSlotAndQueuesSpreadOverTheNodes() throws Exception {
		RedisDriver driver = driver();
		List<String> queues = queuesOnDistinctNodes(this.prefix, 3);
		for (String queue : queues) {
			driver.enqueue(message(queue), Duration.ZERO);
			driver.enqueue(message(queue), Duration.ZERO);
			driver.enqueue(message(queue), Duration.ofMinutes(1));
			List<Reservation> reserved = driver.reserve(List.of(queue), 2, Duration.ofSeconds(30), Duration.ZERO);
			assertThat(driver.deadLetter(reserved.get(0), DeadLetter.Failure.of("test"))).isTrue();
			assertThat(driver.acknowledge(reserved.get(1))).isTrue();
			assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(0, 1, 0, 1));
		}
		Map<String, Set<String>> nodesByQueue = new LinkedHashMap<>();
		try (RedisClusterConnection connection = connectionFactory.getClusterConnection()) {
			for (RedisClusterNode node : masters(connection)) {
				ScanOptions options = ScanOptions.scanOptions().match(this.prefix + ":*").count(1000).build();
				try (Cursor<byte[]> cursor = connection.scan(node, options)) {
					cursor.forEachRemaining((raw) -> {
						String key = RedisTestSupport.text(raw);
						String queue = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
						assertThat(SlotHash.getSlot(raw)).as(key).isEqualTo(SlotHash.getSlot(queue));
						nodesByQueue.computeIfAbsent(queue, (q) -> new HashSet<>()).add(node.getId());
					});
				}
			}
		}
		assertThat(nodesByQueue.keySet()).containsExactlyInAnyOrderElementsOf(queues);
		assertThat(nodesByQueue.values()).allSatisfy((nodes) -> assertThat(nodes).hasSize(1));
		assertThat(nodesByQueue.values().stream().flatMap(Set::stream).distinct()).hasSize(3);
	}

	@Test
	void anIdleWorkerOnQueuesOfTwoNodesWaitsOnBothAndWakesForEither() throws Exception {
		RedisDriver driver = driver();
		List<String> queues = queuesOnDistinctNodes(this.prefix, 2);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicInteger reserveCalls = new AtomicInteger();
		List<Reservation> received = new CopyOnWriteArrayList<>();
		AtomicLong receivedAt = new AtomicLong();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			// what the worker's fetch loop does with the default poll interval of 1 s
			Future<?> idleWorker = pool.submit(() -> {
				while (!stop.get()) {
					List<Reservation> batch = driver.reserve(queues, 10, Duration.ofSeconds(30), Duration.ofSeconds(1));
					reserveCalls.incrementAndGet();
					if (!batch.isEmpty()) {
						receivedAt.set(System.nanoTime());
						received.addAll(batch);
					}
				}
				return null;
			});
			await().atMost(Duration.ofSeconds(5)).until(() -> reserveCalls.get() >= 2);

			long commandsBefore = sum(TOP_LEVEL_COMMANDS, "commandstats");
			long connectionsBefore = sum(Set.of("total_connections_received"), "stats");
			long start = System.nanoTime();
			await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
			long commands = sum(TOP_LEVEL_COMMANDS, "commandstats") - commandsBefore;
			long connections = sum(Set.of("total_connections_received"), "stats") - connectionsBefore;
			double perSecond = commands / ((System.nanoTime() - start) / 1e9);
			System.out.printf("[redis-cluster-idle] %d commands (%.1f/s) and %d new connections in 3 s for one idle "
					+ "worker on 2 queues of 2 nodes%n", commands, perSecond, connections);
			// per poll interval one reserve script per queue and one wait per node: 4 (a wait per poll through
			// Spring Data Redis instead, capped at 250 ms and on a new connection each, measured 19.5/s)
			assertThat(perSecond).as("commands per second of an idle worker, all nodes").isLessThanOrEqualTo(6.0);
			assertThat(connections).as("connections opened while idle (the waits reuse theirs)").isZero();

			List<Double> latencies = new ArrayList<>();
			for (int round = 0; round < 6; round++) {
				int seen = received.size();
				await().pollDelay(Duration.ofMillis(50)).atMost(Duration.ofSeconds(1)).until(() -> true);
				TaskMessage message = message(queues.get(round % 2));
				long enqueuedAt = System.nanoTime();
				driver.enqueue(message, Duration.ZERO);
				await().atMost(Duration.ofSeconds(3)).until(() -> received.size() > seen);
				assertThat(received.get(seen).id()).isEqualTo(message.id());
				latencies.add((receivedAt.get() - enqueuedAt) / 1e6);
			}
			System.out.printf("[redis-cluster-idle] enqueue to reservation on an idle worker, ms: %s%n", latencies);
			stop.set(true);
			await().atMost(Duration.ofSeconds(3)).until(idleWorker::isDone);
			idleWorker.get();
		}
		finally {
			stop.set(true);
			pool.shutdownNow();
			pool.awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void closeEndsAReserveBlockedOnSeveralNodes() throws Exception {
		RedisDriver driver = new RedisDriver(connectionFactory, this.prefix);
		List<String> queues = queuesOnDistinctNodes(this.prefix, 3);
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<Object> waiting = pool.submit(() -> {
				try {
					return driver.reserve(queues, 1, Duration.ofSeconds(30), Duration.ofSeconds(20));
				}
				catch (IllegalStateException ex) {
					return ex;
				}
			});
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !waiting.isDone());
			driver.close();
			await().atMost(Duration.ofSeconds(3)).until(waiting::isDone);
			assertThat(waiting.get()).isInstanceOf(IllegalStateException.class);
		}
		finally {
			pool.shutdownNow();
		}
		try (RedisClusterConnection connection = connectionFactory.getClusterConnection()) {
			assertThat(connection.ping()).isEqualTo("PONG");
		}
	}

	@Test
	void scriptsANodeDoesNotKnowAreLoadedThereAndPipelinedCallsReachEveryNode() throws Exception {
		assertThat(cluster.onEveryNode("script", "flush")).containsOnly("OK\n");
		RedisDriver driver = driver();
		List<String> queues = queuesOnDistinctNodes(this.prefix, 3);
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < 1_500; i++) {
			messages.add(message(queues.get(i % 3)));
		}
		driver.enqueueAll(messages, Duration.ZERO);
		for (String queue : queues) {
			assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(500, 0, 0, 0));
			List<String> expected = messages.stream().filter((m) -> m.queue().equals(queue)).map(TaskMessage::id)
				.toList();
			assertThat(driver.reserve(List.of(queue), 500, Duration.ofSeconds(30), Duration.ZERO))
				.extracting(Reservation::id)
				.containsExactlyElementsOf(expected);
		}
	}

	@Test
	void healthIsUpWithCountsAndFailuresNameTheCluster() {
		RedisDriver driver = driver();
		List<String> queues = queuesOnDistinctNodes(this.prefix, 3);
		driver.enqueue(message(queues.get(2)), Duration.ZERO);
		try (AsyncTasqHealthIndicator health = new AsyncTasqHealthIndicator(driver, queues)) {
			assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
		}
		assertThatCode(driver::ping).doesNotThrowAnyException();
		// a script failing on a node names the cluster
		try (RedisClusterConnection connection = connectionFactory.getClusterConnection()) {
			connection.stringCommands()
				.set((this.prefix + ":{" + queues.get(1) + "}:ready").getBytes(StandardCharsets.UTF_8),
						"not a list".getBytes(StandardCharsets.UTF_8));
		}
		assertThatThrownBy(() -> driver.counts(queues.get(1))).isInstanceOf(DriverException.class)
			.hasMessageContaining("Redis Cluster at 127.0.0.1:")
			.hasMessageContaining(cluster.nodes().get(2))
			.hasMessageContaining("counts failed")
			.hasMessageContaining("WRONGTYPE");
	}

	@Test
	void theAutoConfigurationRunsTasksOnQueuesOfEveryNodeFromSpringDataRedisClusterNodes() {
		List<String> queues = queuesOnDistinctNodes(this.prefix, 3);
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					AsyncTasqRedisAutoConfiguration.class, AsyncTasqAutoConfiguration.class,
					AsyncTasqHealthAutoConfiguration.class))
			.withUserConfiguration(ClusterTasksConfiguration.class)
			.withPropertyValues("spring.data.redis.cluster.nodes=" + String.join(",", cluster.nodes()),
					"asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + this.prefix,
					"asynctasq.worker.queues=" + String.join(",", queues))
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(RedisDriver.class);
				assertThat(context.getBean(LettuceConnectionFactory.class).isClusterAware()).isTrue();
				TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
				for (String queue : queues) {
					for (int i = 0; i < 5; i++) {
						dispatcher.task("cluster-test.record").onQueue(queue).dispatch(i);
					}
				}
				ClusterTasks tasks = context.getBean(ClusterTasks.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> tasks.ran.size() == 15);
				assertThat(tasks.ran).filteredOn((ran) -> ran.startsWith(queues.get(1) + ":")).hasSize(5);
				QueueDriver driver = context.getBean(QueueDriver.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> queues.stream()
					.allMatch((queue) -> driver.counts(queue).equals(QueueCounts.EMPTY)));
				assertThat(context.getBean(AsyncTasqHealthIndicator.class).health(true).getStatus())
					.isEqualTo(Status.UP);
			});
	}

	/**
	 * {@code count} queue names (unique to this test) whose slots belong to {@code count} different
	 * masters, so a test spans that many nodes.
	 */
	private static List<String> queuesOnDistinctNodes(String prefix, int count) {
		Map<String, String> queueByNode = new LinkedHashMap<>();
		try (RedisClusterConnection connection = connectionFactory.getClusterConnection()) {
			for (int i = 0; queueByNode.size() < count; i++) {
				String queue = "q" + i + "-" + prefix;
				RedisClusterNode owner = connection.clusterGetNodeForSlot(SlotHash.getSlot(queue));
				queueByNode.putIfAbsent(owner.getId(), queue);
			}
		}
		return List.copyOf(queueByNode.values());
	}

	private static List<RedisClusterNode> masters(RedisClusterConnection connection) {
		List<RedisClusterNode> masters = new ArrayList<>();
		connection.clusterGetNodes().forEach((node) -> {
			if (node.isMaster()) {
				masters.add(node);
			}
		});
		assertThat(masters).hasSize(3);
		return masters;
	}

	/** The sum over every master of the {@code INFO section} fields named (their {@code calls=} for command stats). */
	private static long sum(Set<String> fields, String section) {
		long total = 0;
		try (RedisClusterConnection connection = connectionFactory.getClusterConnection()) {
			for (RedisClusterNode node : masters(connection)) {
				Properties info = connection.serverCommands().info(node, section);
				for (String name : info.stringPropertyNames()) {
					if (fields.contains(name)) {
						String value = info.getProperty(name);
						int calls = value.indexOf("calls=");
						total += Long.parseLong((calls >= 0) ? value.substring(calls + 6, value.indexOf(',')) : value.trim());
					}
				}
			}
		}
		return total;
	}

	private RedisDriver driver() {
		RedisDriver driver = new RedisDriver(connectionFactory, this.prefix, "asynctasq-cluster");
		this.drivers.add(driver);
		return driver;
	}

	private static TaskMessage message(String queue) {
		return new TaskMessage(UUID.randomUUID().toString(), queue, "task".getBytes(StandardCharsets.UTF_8),
				Instant.now());
	}

	@Configuration(proxyBeanMethods = false)
	static class ClusterTasksConfiguration {

		@Bean
		ClusterTasks clusterTasks() {
			return new ClusterTasks();
		}

	}

	static class ClusterTasks {

		final List<String> ran = new CopyOnWriteArrayList<>();

		@Task(name = "cluster-test.record")
		public void record(int number, TaskContext context) {
			this.ran.add(context.queue() + ":" + number);
		}

	}

}
