package io.asynctasq.driver.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.asynctasq.Task;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/** What the TCK does not cover: foreign messages, several processes, nacks, routing failures, quorum queues. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RabbitDriverBehaviourTests {

	private final List<CachingConnectionFactory> factories = new ArrayList<>();

	private final List<RabbitDriver> drivers = new ArrayList<>();

	private final List<String> queues = new ArrayList<>();

	private String prefix;

	@BeforeEach
	void prefix() {
		this.prefix = RabbitTestBroker.newPrefix();
	}

	@AfterEach
	void cleanUp() {
		try {
			RabbitTestBroker.deleteTopology(this.prefix, this.queues);
		}
		finally {
			this.drivers.forEach(RabbitDriver::close);
			this.factories.forEach(CachingConnectionFactory::destroy);
		}
	}

	@Test
	void foreignAndGarbageMessagesAreDeadLetteredAndTheConsumerGoesOn() throws Exception {
		String queue = queue("foreign");
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		driver.declareQueues(List.of(queue));
		String workQueue = driver.topology().workQueue(queue);
		try (Channel channel = factory().createConnection().createChannel(false)) {
			// a foreign publisher: no message id, no headers, a body that is not a task
			channel.basicPublish("", workQueue, null, "{not json".getBytes(StandardCharsets.UTF_8));
			// ids but a wrong queue header and a non-numeric attempt count
			channel.basicPublish("", workQueue, new AMQP.BasicProperties.Builder().messageId("garbage-1")
				.headers(Map.of(TaskHeaders.QUEUE, "elsewhere", TaskHeaders.ATTEMPTS, "x"))
				.build(), new byte[] { 0, (byte) 0xFF });
		}
		TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue,
				"ok".getBytes(StandardCharsets.UTF_8), Instant.now());
		driver.enqueue(task, Duration.ZERO);

		List<Reservation> reserved = driver.reserve(List.of(queue), 5, Duration.ofSeconds(30), Duration.ofSeconds(5));
		assertThat(reserved).extracting(Reservation::id).containsExactly(task.id());
		await().untilAsserted(() -> assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 2)));
		List<DeadLetter> dead = driver.deadLetters(queue, 0, 10);
		assertThat(dead).hasSize(2);
		assertThat(dead).allSatisfy((letter) -> {
			assertThat(letter.failure().reason()).startsWith("foreign message: ");
			assertThat(letter.message().queue()).isEqualTo(queue);
		});
		assertThat(dead.get(0).failure().reason()).contains("no message-id");
		assertThat(dead.get(0).message().body()).isEqualTo("{not json".getBytes(StandardCharsets.UTF_8));
		assertThat(dead.get(1).id()).isEqualTo("garbage-1");
		assertThat(dead.get(1).message().body()).containsExactly(0, (byte) 0xFF);
		assertThat(driver.acknowledge(reserved.get(0))).isTrue();

		// the consumer is still running
		TaskMessage next = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now());
		driver.enqueue(next, Duration.ZERO);
		assertThat(driver.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofSeconds(5)))
			.extracting(Reservation::id).containsExactly(next.id());
	}

	@Test
	void withARetentionEveryDeadLetterCarriesItAsPerMessageExpirationAndARetriedOneLosesIt() throws Exception {
		String queue = queue("retention");
		RabbitDriver driver = new RabbitDriver(factory(), this.prefix, RabbitQueueType.CLASSIC, Duration.ofSeconds(5), 0,
				Duration.ofHours(2));
		this.drivers.add(driver);
		driver.declareQueues(List.of(queue));
		try (Channel channel = factory().createConnection().createChannel(false)) {
			// a foreign message with an expiration of its own: the retention replaces it
			channel.basicPublish("", driver.topology().workQueue(queue),
					new AMQP.BasicProperties.Builder().messageId("foreign-1").expiration("600000000").build(),
					new byte[] { 1 });
			TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { 2 }, Instant.now());
			driver.enqueue(task, Duration.ZERO);
			List<Reservation> reserved = driver.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofSeconds(5));
			assertThat(reserved).extracting(Reservation::id).containsExactly(task.id());
			assertThat(driver.deadLetter(reserved.get(0), DeadLetter.Failure.of("failed"))).isTrue();
			await().untilAsserted(() -> assertThat(driver.counts(queue).deadLettered()).isEqualTo(2));
			assertThat(driver.expiresDeadLettersItself()).isTrue();
			assertThat(driver.expireDeadLetters(queue, Duration.ofHours(2), 10)).as("the broker does it").isZero();

			String deadLetterQueue = driver.topology().deadLetterQueue(queue);
			Map<String, String> expirations = new HashMap<>();
			GetResponse response;
			while ((response = channel.basicGet(deadLetterQueue, false)) != null) {
				expirations.put(response.getProps().getMessageId(), response.getProps().getExpiration());
			}
			channel.basicNack(0, true, true);
			assertThat(expirations).containsEntry("foreign-1", "7200000").containsEntry(task.id(), "7200000");

			// retried by a driver that consumes nothing, so the work queue keeps it for a look
			driver.close();
			RabbitDriver admin = new RabbitDriver(factory(), this.prefix, RabbitQueueType.CLASSIC, Duration.ofSeconds(5),
					0, Duration.ofHours(2));
			this.drivers.add(admin);
			await().untilAsserted(() -> assertThat(admin.retryDeadLetter(queue, task.id())).isTrue());
			GetResponse retried = await().until(() -> channel.basicGet(driver.topology().workQueue(queue), true),
					(got) -> got != null);
			assertThat(retried.getProps().getMessageId()).isEqualTo(task.id());
			assertThat(retried.getProps().getExpiration()).as("back in its work queue, kept until run").isNull();
		}
	}

	@Test
	void withoutARetentionTheDriverCannotExpireDeadLetters() {
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		assertThat(driver.expiresDeadLettersItself()).isFalse();
		assertThatThrownBy(() -> driver.expireDeadLetters(queue("none"), Duration.ofDays(1), 10))
			.isInstanceOf(UnsupportedOperationException.class)
			.hasMessageContaining("asynctasq.dead-letter.retention");
	}

	@Test
	void outOfRangeAttemptHeadersGiveCorruptReservationsAndNoCounterOverflows() throws Exception {
		String queue = queue("counters");
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		driver.declareQueues(List.of(queue));
		RabbitTopology topology = driver.topology();
		try (Channel channel = factory().createConnection().createChannel(false)) {
			RabbitTestBroker.publishRaw(channel, topology, queue, "negative", -3, new byte[0]);
			RabbitTestBroker.publishRaw(channel, topology, queue, "int-max", Integer.MAX_VALUE, new byte[0]);
			RabbitTestBroker.publishRaw(channel, topology, queue, "minus-billion", -1_000_000_000, new byte[0]);
			RabbitTestBroker.publishRaw(channel, topology, queue, "long", 5_000_000_000L, new byte[0]);
			RabbitTestBroker.publishRaw(channel, topology, queue, "last", Reservation.MAX_ATTEMPT - 1, new byte[0]);
			RabbitTestBroker.publishRaw(channel, topology, queue, "text", "abc", new byte[0]);
			RabbitTestBroker.publishRaw(channel, topology, queue, "fraction", 1.5d, new byte[0]);
			// a due time so far in the past that subtracting the clock from it overflows
			Map<String, Object> dueLongAgo = RabbitTestBroker.taskHeaders(queue);
			dueLongAgo.put(TaskHeaders.DUE, Long.MIN_VALUE);
			RabbitTestBroker.publishRaw(channel, topology, queue, "due-min", dueLongAgo, new byte[0]);
		}
		TaskMessage valid = new TaskMessage("valid", queue, new byte[0], Instant.now());
		driver.enqueue(valid, Duration.ZERO);

		Map<String, Reservation> byId = new java.util.HashMap<>();
		await().until(() -> {
			driver.reserve(List.of(queue), 10, Duration.ofSeconds(30), Duration.ofMillis(200))
				.forEach((r) -> byId.put(r.id(), r));
			return byId.size() == 7;
		});
		assertThat(byId.get("negative").isCorrupt()).isTrue();
		assertThat(byId.get("negative").attempt()).isEqualTo(1);
		assertThat(byId.get("negative").defect()).contains("-3 attempts made");
		assertThat(byId.get("int-max").isCorrupt()).isTrue();
		assertThat(byId.get("int-max").attempt()).isEqualTo(Reservation.MAX_ATTEMPT);
		assertThat(byId.get("int-max").defect()).contains("2147483647 attempts made");
		assertThat(byId.get("minus-billion").defect()).contains("-1000000000 attempts made");
		assertThat(byId.get("long").defect()).contains("5000000000 attempts made");
		assertThat(byId.get("last").isCorrupt()).isFalse();
		assertThat(byId.get("last").attempt()).isEqualTo(Reservation.MAX_ATTEMPT);
		assertThat(byId.get("due-min").isCorrupt()).isFalse();
		assertThat(byId.get("valid").isCorrupt()).isFalse();
		assertThat(byId.get("valid").attempt()).isEqualTo(1);
		await().untilAsserted(() -> assertThat(driver.deadLetters(queue, 0, 10)).extracting(DeadLetter::id)
			.containsExactlyInAnyOrder("text", "fraction"));
		assertThat(driver.deadLetters(queue, 0, 10)).allSatisfy((dead) -> assertThat(dead.failure().reason())
			.startsWith("foreign message: headers").contains("not whole numbers"));

		// release, postpone and an expired lease keep a corrupt counter as stored; retry counts the attempt
		// that ran, bounded: too high stays out of range, negative starts over
		assertThat(driver.release(byId.get("negative"))).isTrue();
		assertThat(driver.postpone(byId.get("long"), Duration.ofMillis(50))).isTrue();
		assertThat(driver.retry(byId.get("int-max"), Duration.ZERO)).isTrue();
		assertThat(driver.retry(byId.get("minus-billion"), Duration.ZERO)).isTrue();
		// the sound counter at the bound: one more attempt counted makes it out of range, without overflow
		assertThat(driver.retry(byId.get("last"), Duration.ZERO)).isTrue();
		Map<String, Reservation> again = new java.util.HashMap<>();
		await().until(() -> {
			driver.reserve(List.of(queue), 10, Duration.ofMillis(100), Duration.ofMillis(200))
				.forEach((r) -> again.put(r.id(), r));
			return again.size() == 5;
		});
		Map<String, Reservation> expired = new java.util.HashMap<>();
		await().until(() -> {
			driver.reserve(List.of(queue), 10, Duration.ofSeconds(30), Duration.ofMillis(200))
				.forEach((r) -> expired.put(r.id(), r));
			return expired.size() == 5;
		});
		assertThat(expired.get("negative").defect()).contains("-3 attempts made");
		assertThat(expired.get("long").defect()).contains("5000000000 attempts made");
		assertThat(expired.get("int-max").defect()).contains("1000000 attempts made");
		assertThat(expired.get("last").defect()).contains("1000000 attempts made");
		assertThat(expired.get("minus-billion").isCorrupt()).isFalse();
		assertThat(expired.get("minus-billion").attempt()).as("after its expired second attempt").isEqualTo(3);

		for (Reservation reservation : expired.values()) {
			assertThat(driver.deadLetter(reservation, DeadLetter.Failure.of("dead"))).isTrue();
		}
		Map<String, Integer> attempts = new java.util.HashMap<>();
		driver.deadLetters(queue, 0, 10).forEach((dead) -> attempts.put(dead.id(), dead.attempts()));
		assertThat(attempts).containsEntry("negative", -3)
			.containsEntry("long", Integer.MAX_VALUE)
			.containsEntry("int-max", Reservation.MAX_ATTEMPT)
			.containsEntry("last", Reservation.MAX_ATTEMPT)
			.containsEntry("minus-billion", 3);
		assertThat(driver.acknowledge(byId.get("valid"))).isTrue();
		assertThat(driver.acknowledge(byId.get("due-min"))).isTrue();
		assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, 7));
	}

	@Test
	void aDeadLetterWithTextsAtTheirCapsIsStoredAndListedAsGiven() throws Exception {
		String queue = queue("dead-long");
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		driver.enqueue(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now()), Duration.ZERO);
		Reservation reservation = awaitReservation(driver, queue);
		// three UTF-8 bytes a character, every text over its cap: the largest failure headers there can be
		DeadLetter.Failure failure = new DeadLetter.Failure("\u6f22".repeat(1_000), "\u6f22".repeat(1_000),
				"\u6f22".repeat(10_000), "\u6f22".repeat(40_000));
		assertThat(failure.stackTrace()).endsWith("(truncated)");

		assertThat(driver.deadLetter(reservation, failure)).isTrue();

		assertThat(driver.deadLetters(queue, 0, 10)).singleElement()
			.satisfies((dead) -> assertThat(dead.failure()).isEqualTo(failure));
	}

	@Test
	void aWorkerDeadLettersAGarbageBodyAndAForeignMessageAndGoesOn() throws Exception {
		String queue = queue("garbage");
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		Greetings greetings = new Greetings();
		AsyncTasqRuntime runtime = AsyncTasq.builder()
			.driver(driver)
			.tasks(greetings)
			.taskDefaults(TaskOptions.DEFAULTS.withQueue(queue))
			.concurrency(2)
			.pollInterval(Duration.ofMillis(200))
			.build();
		try (runtime) {
			// our envelope headers, a body no codec can read
			driver.enqueue(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { (byte) 0xC3, 0x28 },
					Instant.now()), Duration.ZERO);
			try (Channel channel = factory().createConnection().createChannel(false)) {
				channel.basicPublish("", driver.topology().workQueue(queue), null,
						"hello from elsewhere".getBytes(StandardCharsets.UTF_8));
			}
			runtime.dispatcher().dispatch("Greetings.greet", "Ada");

			await().until(() -> greetings.greeted.contains("Ada") && driver.counts(queue).deadLettered() == 2);
			assertThat(driver.deadLetters(queue, 0, 10)).extracting((dead) -> dead.failure().reason())
				.containsExactlyInAnyOrder("undecodable payload", "foreign message: no message-id");
		}
	}

	static class Greetings {

		final List<String> greeted = new java.util.concurrent.CopyOnWriteArrayList<>();

		@Task
		public void greet(String name) {
			this.greeted.add(name);
		}

	}

	@Test
	void aDelayedTaskDispatchedByOneProcessIsDeliveredToAnother() throws Exception {
		String queue = queue("two-processes");
		RabbitDriver producer = driver(RabbitQueueType.CLASSIC);
		RabbitDriver worker = driver(RabbitQueueType.CLASSIC);
		Duration delay = Duration.ofMillis(1500);
		TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue,
				"later".getBytes(StandardCharsets.UTF_8), Instant.now());

		long start = System.nanoTime();
		producer.enqueue(task, delay);
		producer.close();
		assertThat(worker.counts(queue)).isEqualTo(new QueueCounts(0, 1, 0, 0));

		List<Reservation> reserved = new ArrayList<>();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> reserved.addAll(worker.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofSeconds(1))));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay.minusMillis(50));
		assertThat(reserved).extracting(Reservation::id).containsExactly(task.id());
		assertThat(reserved.get(0).message().body()).isEqualTo(task.body());
		assertThat(worker.acknowledge(reserved.get(0))).isTrue();
	}

	@ParameterizedTest
	@EnumSource(RabbitQueueType.class)
	void retryingADeadLetterFromTheMiddleKeepsTheOthersInOrderAndEveryCountExact(RabbitQueueType type)
			throws Exception {
		String queue = queue("dead-middle");
		RabbitDriver driver = driver(type);
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { (byte) i },
					Instant.now());
			driver.enqueue(task, Duration.ZERO);
			Reservation reservation = driver.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofSeconds(5))
				.get(0);
			assertThat(driver.deadLetter(reservation, DeadLetter.Failure.of("failed " + i))).isTrue();
			ids.add(task.id());
		}
		String deadLetterQueue = driver.topology().deadLetterQueue(queue);
		try (Channel channel = factory().createConnection().createChannel(false)) {
			// a listing and a retry return once the queue counts what they gave back (a quorum queue requeues
			// asynchronously): for this process and every other
			assertThat(driver.deadLetters(queue, 0, 10)).extracting(DeadLetter::id).containsExactlyElementsOf(ids);
			assertThat(channel.queueDeclarePassive(deadLetterQueue).getMessageCount()).isEqualTo(3);
			assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, 3));

			assertThat(driver.retryDeadLetter(queue, ids.get(1))).isTrue();
			assertThat(channel.queueDeclarePassive(deadLetterQueue).getMessageCount()).isEqualTo(2);
		}
		assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 2));
		assertThat(driver.deadLetters(queue, 0, 10)).extracting(DeadLetter::id).containsExactly(ids.get(0), ids.get(2));
		assertThat(driver.retryDeadLetter(queue, ids.get(1))).isFalse();
		assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 2));
		assertThat(driver.deadLetters(queue, 0, 10)).extracting(DeadLetter::id).containsExactly(ids.get(0), ids.get(2));
		assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 2));
	}

	@ParameterizedTest
	@EnumSource(RabbitQueueType.class)
	void acknowledgingABatchInOneMultipleAckLeavesTheTasksStillHeldWithTheBroker(RabbitQueueType type)
			throws Exception {
		String queue = queue("ack-batch");
		RabbitDriver first = driver(type);
		List<TaskMessage> tasks = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			tasks.add(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { (byte) i }, Instant.now()));
		}
		first.enqueueAll(tasks, Duration.ZERO);
		List<Reservation> reserved = new ArrayList<>();
		await().until(() -> {
			reserved.addAll(first.reserve(List.of(queue), 6 - reserved.size(), Duration.ofSeconds(30),
					Duration.ofMillis(200)));
			return reserved.size() == 6;
		});
		assertThat(reserved).extracting(Reservation::id).containsExactlyElementsOf(tasks.stream().map(TaskMessage::id).toList());

		// the first two below every held task (one multiple ack), the fourth and fifth above the held third
		assertThat(first.acknowledgeAll(List.of(reserved.get(1), reserved.get(0), reserved.get(3), reserved.get(4))))
			.containsExactly(true, true, true, true);
		assertThat(first.acknowledgeAll(List.of(reserved.get(0), reserved.get(2)))).as("once acknowledged, fenced")
			.containsExactly(false, true);
		assertThat(first.counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
		// the broker takes back what was not acknowledged: the last task only
		first.close();

		RabbitDriver second = driver(type);
		List<Reservation> again = new ArrayList<>();
		await().until(() -> again.addAll(second.reserve(List.of(queue), 6, Duration.ofSeconds(30),
				Duration.ofMillis(200))));
		assertThat(again).extracting(Reservation::id).containsExactly(tasks.get(5).id());
		assertThat(second.reserve(List.of(queue), 6, Duration.ofSeconds(30), Duration.ofMillis(300))).isEmpty();
		assertThat(second.acknowledgeAll(again)).containsExactly(true);
		assertThat(second.counts(queue)).isEqualTo(QueueCounts.EMPTY);
	}

	@ParameterizedTest
	@EnumSource(RabbitQueueType.class)
	void aCountRightAfterAnAcknowledgementThatFreesTheConsumersCreditCountsEveryTaskOnce(RabbitQueueType type) {
		String queue = queue("credit");
		// prefetch 1: each acknowledgement frees the credit the next task is delivered with
		RabbitDriver driver = new RabbitDriver(factory(), this.prefix, type, Duration.ofSeconds(5), 1);
		this.drivers.add(driver);
		for (int round = 0; round < 20; round++) {
			driver.enqueueAll(List.of(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now()),
					new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now())), Duration.ZERO);
			assertThat(driver.acknowledge(awaitReservation(driver, queue))).isTrue();
			assertThat(driver.counts(queue)).as("round %d, one of two acknowledged", round)
				.isEqualTo(new QueueCounts(1, 0, 0, 0));
			assertThat(driver.acknowledge(awaitReservation(driver, queue))).isTrue();
			assertThat(driver.counts(queue)).as("round %d, both acknowledged", round).isEqualTo(QueueCounts.EMPTY);
		}
	}

	@Test
	void aDelayedTaskIsNotReadyBeforeItsTimeEvenWhenTheConsumerHasNoCredit() throws Exception {
		String queue = queue("no-credit");
		RabbitDriver driver = new RabbitDriver(factory(), this.prefix, RabbitQueueType.CLASSIC, Duration.ofSeconds(5), 1);
		this.drivers.add(driver);
		driver.enqueue(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now()), Duration.ZERO);
		Reservation held = driver.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofSeconds(5)).get(0);
		Duration delay = Duration.ofMillis(600);
		TaskMessage later = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now());

		long start = System.nanoTime();
		driver.enqueue(later, delay);
		// prefetch 1 is taken by the held task: the delayed one waits in the delay and due queues, not in the
		// work queue, until it is due
		Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
			QueueCounts counts = driver.counts(queue);
			if (counts.ready() > 0 && Duration.ofNanos(System.nanoTime() - start).compareTo(delay) < 0) {
				throw new IllegalStateException("ready before its delay: " + counts);
			}
			return counts.equals(new QueueCounts(1, 0, 1, 0));
		});
		assertThat(driver.acknowledge(held)).isTrue();
		assertThat(driver.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofSeconds(5)))
			.extracting(Reservation::id).containsExactly(later.id());
	}

	@Test
	void onCloseReleasedAndPrefetchedTasksGoBackToTheBrokerWithoutCountingAnAttempt() throws Exception {
		String queue = queue("handover");
		RabbitDriver first = driver(RabbitQueueType.CLASSIC);
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[] { (byte) i },
					Instant.now());
			first.enqueue(task, Duration.ZERO);
			ids.add(task.id());
		}
		Reservation reservation = first.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofSeconds(5))
			.get(0);
		assertThat(first.counts(queue)).as("two prefetched, one reserved").isEqualTo(new QueueCounts(2, 0, 1, 0));
		assertThat(first.release(reservation)).isTrue();
		first.close();

		RabbitDriver second = driver(RabbitQueueType.CLASSIC);
		List<Reservation> reserved = new ArrayList<>();
		await().until(() -> {
			reserved.addAll(second.reserve(List.of(queue), 3, Duration.ofSeconds(30), Duration.ofMillis(500)));
			return reserved.size() == 3;
		});
		assertThat(reserved).extracting(Reservation::id).containsExactlyElementsOf(ids);
		assertThat(reserved).allSatisfy((r) -> assertThat(r.attempt()).isEqualTo(1));
	}

	@Test
	void concurrentPublishersAndABatchShareTheConfirmChannelsAndEachIsConfirmed() throws Exception {
		String queue = queue("shared-confirms");
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		driver.declareQueues(List.of(queue));
		ExecutorService pool = Executors.newFixedThreadPool(9);
		try {
			List<Future<?>> publishers = new ArrayList<>();
			for (int p = 0; p < 8; p++) {
				publishers.add(pool.submit(() -> {
					for (int i = 0; i < 50; i++) {
						driver.enqueue(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now()),
								Duration.ZERO);
					}
				}));
			}
			List<TaskMessage> batch = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				batch.add(new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now()));
			}
			publishers.add(pool.submit(() -> driver.enqueueAll(batch, Duration.ZERO)));
			for (Future<?> publisher : publishers) {
				publisher.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		// every publish returned after its confirm: all are stored
		assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(600, 0, 0, 0));
	}

	@Test
	void aPublishThatCannotBeRoutedFailsWithAClearException() throws Exception {
		String queue = queue("unroutable");
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		driver.declareQueues(List.of(queue));
		try (Channel channel = factory().createConnection().createChannel(false)) {
			channel.queueDelete(driver.topology().workQueue(queue));
		}
		TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now());
		assertThatThrownBy(() -> driver.enqueue(task, Duration.ZERO)).isInstanceOf(DriverException.class)
			.hasMessageContaining("could not route").hasMessageContaining(task.id());
	}

	@Test
	void aPublishTheBrokerNacksFailsWithAClearException() throws Exception {
		String queue = queue("nacked");
		RabbitDriver driver = driver(RabbitQueueType.CLASSIC);
		driver.declareQueues(List.of(queue));
		String policy = this.prefix + "-reject";
		// a full queue that rejects publishes: the broker answers with a nack
		rabbitmqctl("set_policy", "--apply-to", "queues", policy,
				"^" + driver.topology().workQueue(queue).replace(".", "\\.") + "$",
				"{\"max-length\":0,\"overflow\":\"reject-publish\"}");
		try {
			TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now());
			await().untilAsserted(() -> assertThatThrownBy(() -> driver.enqueue(task, Duration.ZERO))
				.isInstanceOf(DriverException.class)
				.hasMessageContaining("nacked"));
		}
		finally {
			rabbitmqctl("clear_policy", policy);
		}
	}

	@Test
	void anUnreachableBrokerFailsPingAndDispatchWithDriverException() {
		CachingConnectionFactory unreachable = new CachingConnectionFactory("127.0.0.1", 1);
		this.factories.add(unreachable);
		RabbitDriver driver = new RabbitDriver(unreachable, this.prefix, RabbitQueueType.CLASSIC,
				Duration.ofSeconds(1), 0);
		this.drivers.add(driver);
		assertThatThrownBy(driver::ping).isInstanceOf(DriverException.class)
			.hasMessageContaining("RabbitMQ is unreachable at 127.0.0.1:1");
		TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), "unreachable", new byte[0], Instant.now());
		assertThatThrownBy(() -> driver.enqueue(task, Duration.ZERO)).isInstanceOf(DriverException.class);
		assertThatThrownBy(() -> driver.reserve(List.of("unreachable"), 1, Duration.ofSeconds(1), Duration.ZERO))
			.isInstanceOf(DriverException.class);
	}

	private static void rabbitmqctl(String... arguments) throws Exception {
		List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-q"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as("%s: %s", command, output).isZero();
	}

	@Test
	void quorumQueuesDelayRetryAndDeadLetter() throws Exception {
		String queue = queue("quorum");
		RabbitDriver driver = driver(RabbitQueueType.QUORUM);
		TaskMessage task = new TaskMessage(UUID.randomUUID().toString(), queue,
				"q".getBytes(StandardCharsets.UTF_8), Instant.now());
		driver.enqueue(task, Duration.ofMillis(200));
		// on its way from a delay level to the due queue a message counts nowhere for a moment
		await().untilAsserted(() -> assertThat(driver.counts(queue).delayed() + driver.counts(queue).ready())
			.isEqualTo(1));

		Reservation first = awaitReservation(driver, queue);
		assertThat(first.attempt()).isEqualTo(1);
		assertThat(driver.retry(first, Duration.ofMillis(100))).isTrue();
		Reservation second = awaitReservation(driver, queue);
		assertThat(second.id()).isEqualTo(task.id());
		assertThat(second.attempt()).isEqualTo(2);
		assertThat(driver.deadLetter(second, DeadLetter.Failure.of("failed"))).isTrue();
		assertThat(driver.counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, 1));
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			TaskMessage other = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now());
			driver.enqueue(other, Duration.ZERO);
			assertThat(driver.deadLetter(awaitReservation(driver, queue), DeadLetter.Failure.of("failed"))).isTrue();
			ids.add(other.id());
		}
		// listed oldest first although a quorum queue does not keep the order of requeued messages
		assertThat(driver.deadLetters(queue, 0, 10)).extracting(DeadLetter::id)
			.containsExactly(task.id(), ids.get(0), ids.get(1), ids.get(2));
		assertThat(driver.deadLetters(queue, 1, 2)).extracting(DeadLetter::id).containsExactly(ids.get(0), ids.get(1));
		assertThat(driver.retryDeadLetter(queue, task.id())).isTrue();
		assertThat(driver.purgeDeadLetters(queue)).isEqualTo(3);
		Reservation again = awaitReservation(driver, queue);
		assertThat(again.attempt()).isEqualTo(1);
		assertThat(driver.acknowledge(again)).isTrue();
		assertThat(driver.counts(queue)).isEqualTo(QueueCounts.EMPTY);
	}

	private Reservation awaitReservation(RabbitDriver driver, String queue) {
		List<Reservation> reserved = new ArrayList<>();
		await().until(() -> reserved.addAll(driver.reserve(List.of(queue), 1, Duration.ofSeconds(30), Duration.ofMillis(500))));
		return reserved.get(0);
	}

	private String queue(String label) {
		String queue = label + "-" + UUID.randomUUID().toString().substring(0, 8);
		this.queues.add(queue);
		return queue;
	}

	private CachingConnectionFactory factory() {
		CachingConnectionFactory factory = RabbitTestBroker.connectionFactory();
		this.factories.add(factory);
		return factory;
	}

	private RabbitDriver driver(RabbitQueueType type) {
		RabbitDriver driver = new RabbitDriver(factory(), this.prefix, type, Duration.ofSeconds(5), 0);
		this.drivers.add(driver);
		return driver;
	}

	private static ConditionFactory await() {
		return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50));
	}

}
