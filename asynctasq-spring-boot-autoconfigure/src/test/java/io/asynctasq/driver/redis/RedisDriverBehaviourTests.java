package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What the Redis driver guarantees beyond the TCK: no busy polling, no duplicate promotion, clear failures. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class RedisDriverBehaviourTests {

	/** Commands a client sends itself; commands run inside scripts are counted by Redis too, so not these. */
	private static final Set<String> TOP_LEVEL_COMMANDS = Set.of("cmdstat_evalsha", "cmdstat_eval",
			"cmdstat_bzpopmin", "cmdstat_ping", "cmdstat_hello", "cmdstat_client|setname", "cmdstat_select");

	private final String prefix = "behaviour-" + UUID.randomUUID().toString().substring(0, 8);

	private LettuceConnectionFactory connectionFactory;

	private final List<RedisDriver> drivers = new ArrayList<>();

	@BeforeEach
	void connect() {
		this.connectionFactory = RedisTestSupport.connectionFactory("asynctasq-behaviour");
	}

	@AfterEach
	void cleanUp() {
		this.drivers.forEach(RedisDriver::close);
		RedisTestSupport.deleteKeys(this.connectionFactory, this.prefix);
		this.connectionFactory.destroy();
	}

	@Test
	void anIdleWorkerWaitsOnTheServerAndWakesForADispatchedTask() throws Exception {
		RedisDriver driver = driver();
		List<String> queues = List.of("idle-high", "idle-low");
		AtomicBoolean stop = new AtomicBoolean();
		AtomicInteger reserveCalls = new AtomicInteger();
		List<Reservation> received = new java.util.concurrent.CopyOnWriteArrayList<>();
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
			await().atMost(Duration.ofSeconds(5)).until(() -> reserveCalls.get() >= 1);

			long before = topLevelCommands();
			long start = System.nanoTime();
			await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
			long commands = topLevelCommands() - before;
			double seconds = (System.nanoTime() - start) / 1e9;
			double perSecond = commands / seconds;
			System.out.printf("[redis-idle] %d commands in %.2f s: %.1f commands/s for one idle worker on 2 queues%n",
					commands, seconds, perSecond);
			assertThat(perSecond).as("commands per second of an idle worker").isLessThanOrEqualTo(5.0);

			// informal: how soon an idle worker gets a task (printed, not asserted; the first round warms up)
			List<Double> latencies = new ArrayList<>();
			for (int round = 0; round < 6; round++) {
				await().atMost(Duration.ofSeconds(3)).until(() -> reserveCalls.get() > 0);
				int seen = received.size();
				await().pollDelay(Duration.ofMillis(50)).atMost(Duration.ofSeconds(1)).until(() -> true);
				TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), (round % 2 == 0) ? "idle-low" : "idle-high",
						"wake".getBytes(StandardCharsets.UTF_8), Instant.now());
				long enqueuedAt = System.nanoTime();
				driver.enqueue(message, Duration.ZERO);
				await().atMost(Duration.ofSeconds(3)).until(() -> received.size() > seen);
				assertThat(received.get(seen).id()).isEqualTo(message.id());
				if (round > 0) {
					latencies.add((receivedAt.get() - enqueuedAt) / 1e6);
				}
			}
			System.out.printf("[redis-idle] enqueue to reservation on an idle worker, ms: %s%n", latencies);
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
	void aWorkerServingManyQueuesFindsEveryKindOfWorkOnAnyOfThemInPriorityOrder() throws Exception {
		RedisDriver driver = driver();
		List<String> queues = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			queues.add("many-" + i);
		}
		TaskMessage ready = message("many-40");
		TaskMessage delayed = message("many-10");
		TaskMessage leased = message("many-30");
		driver.enqueue(ready, Duration.ZERO);
		driver.enqueue(delayed, Duration.ofMillis(200));
		driver.enqueue(leased, Duration.ZERO);
		assertThat(driver.reserve(List.of("many-30"), 1, Duration.ofMillis(200), Duration.ZERO)).hasSize(1);
		// nothing else is ready: the wait the peeks report is the earliest delayed task or lease (~200 ms)
		assertThat(ids(driver.reserve(queues, 10, Duration.ofMinutes(1), Duration.ZERO))).containsExactly(ready.id());

		await().atMost(Duration.ofSeconds(5))
			.until(() -> driver.counts("many-10").ready() == 1 && driver.counts("many-30").ready() == 1);
		driver.enqueue(message("many-49"), Duration.ZERO);
		// the due delayed task, then the expired lease, then the lowest queue's task; none skipped
		List<Reservation> reserved = driver.reserve(queues, 10, Duration.ofMinutes(1), Duration.ofSeconds(5));
		assertThat(reserved).extracting(Reservation::queue).containsExactly("many-10", "many-30", "many-49");
		assertThat(reserved.get(0).id()).isEqualTo(delayed.id());
		assertThat(reserved.get(1).id()).isEqualTo(leased.id());
		assertThat(reserved.get(1).attempt()).isEqualTo(2);

		// an empty, waiting reserve over all of them wakes for a task on the last queue
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<List<Reservation>> waiting = pool
				.submit(() -> driver.reserve(queues, 10, Duration.ofMinutes(1), Duration.ofSeconds(10)));
			await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> true);
			TaskMessage late = message("many-49");
			driver.enqueue(late, Duration.ZERO);
			assertThat(ids(waiting.get(5, TimeUnit.SECONDS))).containsExactly(late.id());
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static TaskMessage message(String queue) {
		return new TaskMessage(UUID.randomUUID().toString(), queue, "{}".getBytes(StandardCharsets.UTF_8), Instant.now());
	}

	private static List<String> ids(List<Reservation> reservations) {
		return reservations.stream().map(Reservation::id).toList();
	}

	@Test
	void twoWorkersRacingOnTheSameDueDelayedTasksGetEachOnce() throws Exception {
		RedisDriver first = driver();
		LettuceConnectionFactory otherFactory = RedisTestSupport.connectionFactory("asynctasq-behaviour-other");
		RedisDriver second = new RedisDriver(otherFactory, this.prefix);
		this.drivers.add(second);
		String queue = "race";
		int total = 200;
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < total; i++) {
			messages.add(new TaskMessage(UUID.randomUUID().toString(), queue, ("t" + i).getBytes(StandardCharsets.UTF_8),
					Instant.now()));
		}
		first.enqueueAll(messages, Duration.ofMillis(300));
		assertThat(first.counts(queue)).isEqualTo(new QueueCounts(0, total, 0, 0));

		Map<String, AtomicInteger> handedOut = new ConcurrentHashMap<>();
		AtomicInteger reserved = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> racers = new ArrayList<>();
			for (RedisDriver driver : List.of(first, second, first, second)) {
				racers.add(pool.submit(() -> {
					long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
					while (reserved.get() < total && System.nanoTime() < deadline) {
						for (Reservation reservation : driver.reserve(List.of(queue), 3, Duration.ofSeconds(30),
								Duration.ofMillis(200))) {
							handedOut.computeIfAbsent(reservation.id(), (id) -> new AtomicInteger()).incrementAndGet();
							reserved.incrementAndGet();
						}
					}
					return null;
				}));
			}
			for (Future<?> racer : racers) {
				racer.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
			pool.awaitTermination(5, TimeUnit.SECONDS);
			otherFactory.destroy();
		}
		assertThat(handedOut).hasSize(total);
		assertThat(handedOut.values()).allSatisfy((count) -> assertThat(count.get()).isEqualTo(1));
		assertThat(first.counts(queue)).isEqualTo(new QueueCounts(0, 0, total, 0));
	}

	@Test
	void countsAndTotalsAreKeptPerQueue() throws Exception {
		RedisDriver driver = driver();
		String queue = "totals";
		for (int i = 0; i < 3; i++) {
			driver.enqueue(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { (byte) i }, Instant.now()),
					Duration.ZERO);
		}
		List<Reservation> reserved = driver.reserve(List.of(queue), 3, Duration.ofSeconds(30), Duration.ZERO);
		assertThat(driver.acknowledge(reserved.get(0))).isTrue();
		assertThat(driver.retry(reserved.get(1), Duration.ofMinutes(5))).isTrue();
		assertThat(driver.deadLetter(reserved.get(2), io.asynctasq.driver.DeadLetter.Failure.of("failed"))).isTrue();

		assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(0, 1, 0, 1));
		assertThat(driver.totals(queue)).isEqualTo(new RedisDriver.Totals(1, 1, 1));
		assertThat(driver.totals("totals-other")).isEqualTo(new RedisDriver.Totals(0, 0, 0));
	}

	@Test
	void largeDeadLetterSetsAreListedAndPurgedInChunks() throws Exception {
		RedisDriver driver = driver();
		String queue = "dead-many";
		int count = 1_234;
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			messages.add(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { (byte) i }, Instant.now()));
		}
		driver.enqueueAll(messages, Duration.ZERO);
		List<String> deadOrder = new ArrayList<>();
		List<Reservation> batch;
		while (!(batch = driver.reserve(List.of(queue), 200, Duration.ofMinutes(5), Duration.ZERO)).isEmpty()) {
			for (Reservation reservation : batch) {
				assertThat(driver.deadLetter(reservation, io.asynctasq.driver.DeadLetter.Failure.of("failed"))).isTrue();
				deadOrder.add(reservation.id());
			}
		}
		assertThat(deadOrder).hasSize(count);

		assertThat(driver.deadLetters(queue, 95, 250)).extracting(io.asynctasq.driver.DeadLetter::id)
			.as("a page across listing chunks, oldest first").containsExactlyElementsOf(deadOrder.subList(95, 345));
		assertThat(driver.deadLetters(queue, count - 10, 1_000)).hasSize(10);

		assertThat(driver.purgeDeadLetters(queue)).isEqualTo(count);
		assertThat(driver.counts(queue)).isEqualTo(QueueCounts.EMPTY);
		assertThat(driver.deadLetters(queue, 0, 10)).isEmpty();
		List<String> taskKeys = new ArrayList<>();
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.keyCommands()
				.scan(org.springframework.data.redis.core.ScanOptions.scanOptions()
					.match(this.prefix + ":{" + queue + "}:task:*").count(1000).build())
				.forEachRemaining((key) -> taskKeys.add(RedisTestSupport.text(key)));
		}
		assertThat(taskKeys).as("task hashes left").isEmpty();
		assertThat(driver.purgeDeadLetters(queue)).isZero();
	}

	@Test
	void largeDeadLetterSetsExpireInChunksWithTheirTaskHashesAndAnUnreadableOneCountsAsOld() throws Exception {
		RedisDriver driver = driver();
		String queue = "dead-expire-many";
		int count = 1_234;
		List<TaskMessage> messages = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			messages.add(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { (byte) i }, Instant.now()));
		}
		driver.enqueueAll(messages, Duration.ZERO);
		List<String> deadOrder = new ArrayList<>();
		List<Reservation> batch;
		while (!(batch = driver.reserve(List.of(queue), 200, Duration.ofMinutes(5), Duration.ZERO)).isEmpty()) {
			for (Reservation reservation : batch) {
				assertThat(driver.deadLetter(reservation, io.asynctasq.driver.DeadLetter.Failure.of("failed"))).isTrue();
				deadOrder.add(reservation.id());
			}
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			// the oldest dead letter's hash is gone (deleted by hand): listed as dead-lettered at 0, so old
			connection.keyCommands().del(RedisKeys.bytes(this.prefix + ":{" + queue + "}:task:" + deadOrder.get(0)));
		}
		assertThat(driver.expireDeadLetters(queue, Duration.ofHours(1), 10_000))
			.as("the one without a time, then the walk stops at the first younger than an hour").isEqualTo(1);

		await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> true);
		assertThat(driver.expireDeadLetters(queue, Duration.ofMillis(50), 1_100)).isEqualTo(1_100);
		assertThat(driver.deadLetters(queue, 0, 1)).extracting(io.asynctasq.driver.DeadLetter::id)
			.containsExactly(deadOrder.get(1_101));
		assertThat(driver.expireDeadLetters(queue, Duration.ofMillis(50), 10_000)).isEqualTo(count - 1_101);
		assertThat(driver.counts(queue)).isEqualTo(QueueCounts.EMPTY);
		List<String> taskKeys = new ArrayList<>();
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.keyCommands()
				.scan(org.springframework.data.redis.core.ScanOptions.scanOptions()
					.match(this.prefix + ":{" + queue + "}:task:*").count(1000).build())
				.forEachRemaining((key) -> taskKeys.add(RedisTestSupport.text(key)));
		}
		assertThat(taskKeys).as("task hashes left").isEmpty();
	}

	@Test
	void keysOfOneQueueShareOneHashTag() throws Exception {
		RedisDriver driver = driver();
		driver.enqueue(new TaskMessage(UUID.randomUUID().toString(), "tagged", new byte[] { 1 }, Instant.now()),
				Duration.ZERO);
		driver.enqueue(new TaskMessage(UUID.randomUUID().toString(), "tagged", new byte[] { 2 }, Instant.now()),
				Duration.ofMinutes(1));
		driver.reserve(List.of("tagged"), 1, Duration.ofSeconds(30), Duration.ZERO);
		List<String> keys = new ArrayList<>();
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.keyCommands()
				.scan(org.springframework.data.redis.core.ScanOptions.scanOptions().match(this.prefix + ":*").build())
				.forEachRemaining((key) -> keys.add(RedisTestSupport.text(key)));
		}
		assertThat(keys).isNotEmpty().allSatisfy((key) -> assertThat(key).startsWith(this.prefix + ":{tagged}:"));
		assertThat(keys).contains(this.prefix + ":{tagged}:delayed", this.prefix + ":{tagged}:inflight");
	}

	@Test
	void aRefusedSettlementSaysWhetherTheLeaseWasLostOrTheTaskIsGone(CapturedOutput output) throws Exception {
		LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
		logging.setLogLevel(RedisDriver.class.getName(), LogLevel.DEBUG);
		try {
			RedisDriver driver = driver();
			String queue = "refused";
			TaskMessage retried = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { 1 }, Instant.now());
			TaskMessage acknowledged = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { 2 },
					Instant.now());
			driver.enqueueAll(List.of(retried, acknowledged), Duration.ZERO);
			List<Reservation> reserved = driver.reserve(List.of(queue), 2, Duration.ofSeconds(30), Duration.ZERO);
			assertThat(reserved).extracting(Reservation::id).containsExactly(retried.id(), acknowledged.id());
			Reservation stale = reserved.get(0);
			Reservation gone = reserved.get(1);
			assertThat(driver.retry(stale, Duration.ofMinutes(5))).isTrue();
			assertThat(driver.acknowledge(gone)).isTrue();

			assertThat(driver.acknowledge(stale)).isFalse();
			assertThat(driver.extendLease(stale, Duration.ofSeconds(30))).isFalse();
			assertThat(driver.retry(gone, Duration.ZERO)).isFalse();
			assertThat(driver.extendLease(gone, Duration.ofSeconds(30))).isFalse();

			assertThat(output).contains("Task " + stale.id() + " of queue 'refused': acknowledge refused, its lease was lost")
				.contains("Task " + stale.id() + " of queue 'refused': extendLease refused, its lease was lost")
				.contains("Task " + gone.id() + " of queue 'refused': retry refused, no such task")
				.contains("Task " + gone.id() + " of queue 'refused': extendLease refused, no such task");
			assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(0, 1, 0, 0));
		}
		finally {
			logging.setLogLevel(RedisDriver.class.getName(), null);
		}
	}

	@Test
	void anUnreachableServerFailsWithAClearDriverExceptionAndHealthDown() {
		LettuceConnectionFactory closedPort = RedisTestSupport.connectionFactory("127.0.0.1", 1, "asynctasq-down");
		RedisDriver driver = new RedisDriver(closedPort, this.prefix);
		try {
			assertThatThrownBy(driver::ping).isInstanceOf(DriverException.class)
				.hasMessageContaining("Redis at 127.0.0.1:1 unreachable");
			TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), "down", new byte[] { 1 }, Instant.now());
			assertThatThrownBy(() -> driver.enqueue(message, Duration.ZERO)).isInstanceOf(DriverException.class)
				.hasMessageContaining("Redis at 127.0.0.1:1 unreachable");
			assertThatThrownBy(() -> driver.reserve(List.of("down"), 1, Duration.ofSeconds(30), Duration.ofMillis(100)))
				.isInstanceOf(DriverException.class)
				.hasMessageContaining("Redis at 127.0.0.1:1 unreachable");

			Health health = new AsyncTasqHealthIndicator(driver, List.of("down")).health(true);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails().toString()).contains("Redis at 127.0.0.1:1 unreachable");
		}
		finally {
			driver.close();
			closedPort.destroy();
		}
	}

	@Test
	void closeEndsABlockedReserveAndLeavesTheConnectionFactoryOpen() throws Exception {
		RedisDriver driver = new RedisDriver(this.connectionFactory, this.prefix);
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<Object> waiting = pool.submit(() -> {
				try {
					return driver.reserve(List.of("close"), 1, Duration.ofSeconds(30), Duration.ofSeconds(20));
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
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			assertThat(connection.ping()).isEqualTo("PONG");
		}
	}

	@Test
	void enqueueAllPipelinesItsChunksEvenOnAServerThatDoesNotKnowTheScriptYet() throws Exception {
		try (PrivateRedisServer redis = new PrivateRedisServer().start()) {
			LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(RedisTestSupport.HOST, redis.port,
					"asynctasq-behaviour-pipeline");
			RedisDriver driver = new RedisDriver(factory, this.prefix);
			try {
				// 3 chunks of the first queue and 1 of the second, sent in one pipeline to a fresh server
				List<TaskMessage> messages = new ArrayList<>();
				for (int i = 0; i < 1_200; i++) {
					messages.add(new TaskMessage(UUID.randomUUID().toString(), (i % 4 == 3) ? "pipe-b" : "pipe-a",
							("t" + i).getBytes(StandardCharsets.UTF_8), Instant.now()));
				}
				driver.enqueueAll(messages, Duration.ZERO);
				driver.enqueueAll(messages, Duration.ZERO);

				assertThat(driver.counts("pipe-a")).isEqualTo(new QueueCounts(900, 0, 0, 0));
				assertThat(driver.counts("pipe-b")).isEqualTo(new QueueCounts(300, 0, 0, 0));
				List<String> expected = messages.stream().filter((m) -> m.queue().equals("pipe-a")).map(TaskMessage::id)
					.toList();
				List<String> reserved = driver.reserve(List.of("pipe-a"), 1_000, Duration.ofSeconds(30), Duration.ZERO)
					.stream().map(Reservation::id).toList();
				assertThat(reserved).containsExactlyElementsOf(expected);
			}
			finally {
				driver.close();
				factory.destroy();
			}
		}
	}

	private RedisDriver driver() {
		RedisDriver driver = new RedisDriver(this.connectionFactory, this.prefix, "asynctasq-behaviour");
		this.drivers.add(driver);
		return driver;
	}

	private long topLevelCommands() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			Properties stats = connection.serverCommands().info("commandstats");
			long calls = 0;
			for (String name : stats.stringPropertyNames()) {
				if (TOP_LEVEL_COMMANDS.contains(name)) {
					String value = stats.getProperty(name);
					String count = value.substring(value.indexOf("calls=") + 6, value.indexOf(','));
					calls += Long.parseLong(count);
				}
			}
			return calls;
		}
	}

}
