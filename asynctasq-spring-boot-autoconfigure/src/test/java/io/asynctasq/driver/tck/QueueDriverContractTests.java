package io.asynctasq.driver.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import io.asynctasq.Task;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.QueueNames;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.StoredTask;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.WorkerHeartbeat;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver TCK: the behaviour every {@link QueueDriver} must show, as written in its Javadoc.
 * <p>
 * Every test calls the driver through {@link DriverFacade}, as the dispatcher and the worker do, so the
 * argument rules and the closed check it holds for every driver are part of the contract.
 * <p>
 * A driver's test class extends this class and implements {@link #createDriver(String)}; a durable
 * driver also overrides {@link #cleanUp(QueueDriver, String, List)} to delete what a test created, and
 * may raise the timing knobs ({@link #shortLease()}, {@link #shortDelay()}, {@link #timingTolerance()})
 * when its backend is slower or coarser than memory.
 * <p>
 * Every test gets a fresh driver built for a unique namespace and uses queue names unique to the test,
 * so tests of a shared backend never see each other's tasks. Waiting is done with Awaitility; speed is
 * never asserted, only that something does not happen too early and does happen eventually.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class QueueDriverContractTests {

	/** A lease long enough that it never expires during a test. */
	protected static final Duration LONG_LEASE = Duration.ofSeconds(30);

	private final List<String> queuesUsed = Collections.synchronizedList(new ArrayList<>());

	private String namespace;

	private QueueDriver driver;

	/**
	 * Builds the driver under test.
	 * @param namespace a string unique to this test ("tck-" and random hex) a durable driver may use as
	 * key prefix, table prefix or similar, so concurrent and successive tests never collide
	 */
	protected abstract QueueDriver createDriver(String namespace);

	/**
	 * Builds the driver under test for a dead-letter retention: a driver whose backend expires dead letters on its
	 * own ({@link QueueDriver#expiresDeadLettersItself()}) needs it when it is built. Default:
	 * {@link #createDriver(String)}, for drivers that are told the retention on each
	 * {@link QueueDriver#expireDeadLetters} call.
	 */
	protected QueueDriver createDriver(String namespace, Duration deadLetterRetention) {
		return createDriver(namespace);
	}

	/**
	 * Deletes what a test created; runs after each test, before the driver is closed. The driver may
	 * already be closed (the close tests close it), so a durable driver should use its own connection
	 * when it needs one. Default: nothing.
	 * @param driver the driver the test used
	 * @param namespace the namespace passed to {@link #createDriver(String)}
	 * @param queuesUsed every queue name the test used
	 */
	protected void cleanUp(QueueDriver driver, String namespace, List<String> queuesUsed) {
	}

	/** The lease used by the lease-expiry tests. Default 300 ms; slower backends may raise it. */
	protected Duration shortLease() {
		return Duration.ofMillis(300);
	}

	/** The delay used by the delay and retry back-off tests. Default 300 ms; slower backends may raise it. */
	protected Duration shortDelay() {
		return Duration.ofMillis(300);
	}

	/**
	 * How far a backend clock (or its time precision) may differ from this JVM's when asserting that
	 * something did not happen before a delay or lease ended. Default 50 ms.
	 */
	protected Duration timingTolerance() {
		return Duration.ofMillis(50);
	}

	/** The driver of the running test. */
	protected final QueueDriver driver() {
		return this.driver;
	}

	/** The namespace of the running test. */
	protected final String namespace() {
		return this.namespace;
	}

	@BeforeEach
	void createDriverForTest() {
		this.namespace = "tck-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		this.driver = DriverFacade.of(createDriver(this.namespace));
		assertThat(this.driver).as("createDriver(%s)", this.namespace).isNotNull();
	}

	@AfterEach
	void closeDriverAfterTest() {
		if (this.driver == null) {
			return;
		}
		try {
			cleanUp(this.driver, this.namespace, List.copyOf(this.queuesUsed));
		}
		finally {
			this.driver.close();
		}
	}

	/** Enqueue and reserve: what is stored comes back, in order, within max, by priority, after its delay; waiting, counts, enqueueAll, names and concurrent consumers. */
	@Nested
	class EnqueueAndReserve {


		@Test
		@DisplayName("enqueue then reserve returns the same id, queue and body bytes, attempt 1, a lease token and a future deadline")
		void enqueueThenReserveReturnsTheTask() throws Exception {
			String queue = queue("basic");
			byte[] body = binaryBody();
			TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), queue, body, Instant.now());
			driver().enqueue(message, Duration.ZERO);
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 0));

			Instant before = Instant.now();
			List<Reservation> reserved = driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO);
			Instant after = Instant.now();

			assertThat(reserved).hasSize(1);
			Reservation reservation = reserved.get(0);
			assertThat(reservation.id()).isEqualTo(message.id());
			assertThat(reservation.queue()).isEqualTo(queue);
			assertThat(reservation.message().body()).isEqualTo(body);
			assertThat(Duration.between(message.enqueuedAt(), reservation.message().enqueuedAt()).abs())
				.as("enqueuedAt survives the round trip").isLessThanOrEqualTo(Duration.ofSeconds(1));
			assertThat(reservation.attempt()).isEqualTo(1);
			assertThat(reservation.leaseToken()).isNotBlank();
			assertThat(reservation.leaseDeadline()).isAfter(Instant.now());
			assertThat(reservation.leaseDeadline()).isBetween(before.plus(LONG_LEASE).minusSeconds(1),
					after.plus(LONG_LEASE).plusSeconds(1));
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
			assertThat(reserveNow(queue)).as("a reserved task is not handed out again").isEmpty();
		}

		@Test
		@DisplayName("enqueueAllAsync stores like enqueueAll: once its future completed, every task is there, in order, a delayed one delayed")
		void enqueueAllAsyncStoresLikeEnqueueAll() throws Exception {
			String first = queue("async-first");
			String second = queue("async-second");
			List<TaskMessage> messages = new ArrayList<>();
			for (String queue : List.of(first, second, first, first, second)) {
				messages.add(new TaskMessage(UUID.randomUUID().toString(), queue, binaryBody(), Instant.now()));
			}
			driver().enqueueAllAsync(messages, Duration.ZERO).get(30, TimeUnit.SECONDS);
			TaskMessage delayed = new TaskMessage(UUID.randomUUID().toString(), first, binaryBody(), Instant.now());
			driver().enqueueAllAsync(List.of(delayed), Duration.ofHours(1)).get(30, TimeUnit.SECONDS);

			assertThat(driver().counts(first)).isEqualTo(new QueueCounts(3, 1, 0, 0));
			assertThat(driver().counts(second)).isEqualTo(new QueueCounts(2, 0, 0, 0));
			List<Reservation> fromFirst = driver().reserve(List.of(first), 10, LONG_LEASE, Duration.ZERO);
			assertThat(ids(fromFirst)).containsExactly(messages.get(0).id(), messages.get(2).id(), messages.get(3).id());
			assertThat(fromFirst.get(0).message().body()).isEqualTo(messages.get(0).body());
			assertThat(ids(driver().reserve(List.of(second), 10, LONG_LEASE, Duration.ZERO)))
				.containsExactly(messages.get(1).id(), messages.get(4).id());
		}

		@Test
		@DisplayName("an empty body survives the round trip")
		void emptyBodyRoundTrip() throws Exception {
			String queue = queue("empty-body");
			TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), queue, new byte[0], Instant.now());
			driver().enqueue(message, Duration.ZERO);

			List<Reservation> reserved = reserveNow(queue);
			assertThat(reserved).hasSize(1);
			assertThat(reserved.get(0).id()).isEqualTo(message.id());
			assertThat(reserved.get(0).message().body()).isEmpty();
		}

		@Test
		@DisplayName("reserve is FIFO within one queue, in one batch and one at a time")
		void reserveIsFifoWithinAQueue() throws Exception {
			String batchQueue = queue("fifo-batch");
			List<String> batchIds = enqueue(batchQueue, 5);
			List<Reservation> batch = driver().reserve(List.of(batchQueue), 5, LONG_LEASE, Duration.ZERO);
			assertThat(ids(batch)).containsExactlyElementsOf(batchIds);
			assertThat(batch).allSatisfy((reservation) -> assertThat(reservation.attempt()).isEqualTo(1));

			String singleQueue = queue("fifo-single");
			List<String> singleIds = enqueue(singleQueue, 5);
			List<String> reservedOneByOne = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				List<Reservation> one = driver().reserve(List.of(singleQueue), 1, LONG_LEASE, Duration.ZERO);
				assertThat(one).hasSize(1);
				reservedOneByOne.add(one.get(0).id());
			}
			assertThat(reservedOneByOne).containsExactlyElementsOf(singleIds);
			assertThat(reserveNow(singleQueue)).isEmpty();
		}

		@Test
		@DisplayName("reserve returns at most max tasks per call")
		void reserveRespectsMax() throws Exception {
			String queue = queue("batch");
			List<String> ids = enqueue(queue, 7);

			List<Reservation> first = driver().reserve(List.of(queue), 3, LONG_LEASE, Duration.ZERO);
			List<Reservation> second = driver().reserve(List.of(queue), 3, LONG_LEASE, Duration.ZERO);
			List<Reservation> third = driver().reserve(List.of(queue), 3, LONG_LEASE, Duration.ZERO);
			List<Reservation> fourth = driver().reserve(List.of(queue), 3, LONG_LEASE, Duration.ZERO);

			assertThat(first).hasSize(3);
			assertThat(second).hasSize(3);
			assertThat(third).hasSize(1);
			assertThat(fourth).isEmpty();
			List<String> all = new ArrayList<>();
			all.addAll(ids(first));
			all.addAll(ids(second));
			all.addAll(ids(third));
			assertThat(all).containsExactlyElementsOf(ids);
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 7, 0));

			String single = queue("batch-one");
			enqueue(single, 3);
			assertThat(driver().reserve(List.of(single), 1, LONG_LEASE, Duration.ZERO)).hasSize(1);
			assertThat(driver().counts(single)).isEqualTo(new QueueCounts(2, 0, 1, 0));
		}

		@Test
		@DisplayName("queues are served in strict priority order: all of the first queue before any of the second")
		void strictPriority() throws Exception {
			String high = queue("high");
			String low = queue("low");
			// low's tasks are older, so only priority can put high's first
			List<String> lowIds = enqueue(low, 3);
			List<String> highIds = enqueue(high, 3);

			List<Reservation> reserved = driver().reserve(List.of(high, low), 10, LONG_LEASE, Duration.ZERO);
			List<String> expected = new ArrayList<>(highIds);
			expected.addAll(lowIds);
			assertThat(ids(reserved)).containsExactlyElementsOf(expected);
			assertThat(reserved.subList(0, 3)).allSatisfy((r) -> assertThat(r.queue()).isEqualTo(high));
			assertThat(reserved.subList(3, 6)).allSatisfy((r) -> assertThat(r.queue()).isEqualTo(low));

			// one at a time as well
			String lowId = enqueue(low, 1).get(0);
			String highId = enqueue(high, 1).get(0);
			assertThat(ids(driver().reserve(List.of(high, low), 1, LONG_LEASE, Duration.ZERO))).containsExactly(highId);
			assertThat(ids(driver().reserve(List.of(high, low), 1, LONG_LEASE, Duration.ZERO))).containsExactly(lowId);
		}

		@Test
		@DisplayName("a delayed task is counted as delayed, is not reserved before its delay, then becomes ready and is reserved")
		void delayedTask() throws Exception {
			String queue = queue("delay");
			Duration delay = shortDelay();
			TaskMessage message = message(queue, "delayed");

			long start = System.nanoTime();
			driver().enqueue(message, delay);
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 1, 0, 0));

			List<Reservation> early = reserveNow(queue);
			if (elapsedSince(start).compareTo(delay.minus(timingTolerance())) < 0) {
				assertThat(early).as("reserved before its delay").isEmpty();
			}

			// counts move delayed -> ready once the delay passed, even before anyone reserves
			awaitAtMost(delay.plusSeconds(5)).untilAsserted(
					() -> assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 0)));
			assertThat(elapsedSince(start)).as("became ready before its delay")
				.isGreaterThanOrEqualTo(delay.minus(timingTolerance()));

			Reservation reservation = awaitReservation(queue, LONG_LEASE);
			assertThat(elapsedSince(start)).as("reserved before its delay")
				.isGreaterThanOrEqualTo(delay.minus(timingTolerance()));
			assertThat(reservation.id()).isEqualTo(message.id());
			assertThat(reservation.attempt()).isEqualTo(1);
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
		}

		@Test
		@DisplayName("a delayed task is reserved by polling reserve once its delay passed")
		void delayedTaskReservedAfterDelay() throws Exception {
			String queue = queue("delay-reserve");
			Duration delay = shortDelay();
			TaskMessage message = message(queue, "delayed");

			long start = System.nanoTime();
			driver().enqueue(message, delay);

			Reservation reservation = awaitReservation(queue, LONG_LEASE);
			assertThat(elapsedSince(start)).as("reserved before its delay")
				.isGreaterThanOrEqualTo(delay.minus(timingTolerance()));
			assertThat(reservation.id()).isEqualTo(message.id());
			assertThat(reservation.attempt()).isEqualTo(1);
		}


		@Test
		@DisplayName("reserve with a wait returns an empty list after waiting when nothing is ready")
		void reserveWaitsThenReturnsEmpty() throws Exception {
			String queue = queue("wait-empty");
			Duration wait = Duration.ofSeconds(1);

			long start = System.nanoTime();
			List<Reservation> reserved = driver().reserve(List.of(queue), 1, LONG_LEASE, wait);

			assertThat(reserved).isNotNull().isEmpty();
			assertThat(elapsedSince(start)).as("returned long before the wait ended")
				.isGreaterThanOrEqualTo(wait.dividedBy(2));
		}

		@Test
		@DisplayName("reserve with wait zero returns an empty list when nothing is ready")
		void reserveWithoutWaitReturnsEmpty() throws Exception {
			String queue = queue("no-wait");
			assertThat(driver().reserve(List.of(queue), 5, LONG_LEASE, Duration.ZERO)).isNotNull().isEmpty();
		}

		@Test
		@DisplayName("a reserve blocked waiting wakes up soon after another thread enqueues a task")
		void blockedReserveWakesOnEnqueue() throws Exception {
			String queue = queue("wake");
			ExecutorService pool = Executors.newSingleThreadExecutor();
			try {
				Future<List<Reservation>> waiting = pool
					.submit(() -> driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ofSeconds(10)));
				await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
					.until(() -> !waiting.isDone());

				TaskMessage message = message(queue, "wake");
				driver().enqueue(message, Duration.ZERO);

				await().atMost(Duration.ofSeconds(3)).until(waiting::isDone);
				List<Reservation> reserved = waiting.get();
				assertThat(ids(reserved)).containsExactly(message.id());
				assertThat(reserved.get(0).attempt()).isEqualTo(1);
				assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
			}
			finally {
				shutdown(pool);
			}
		}

		@Test
		@DisplayName("a reserve waiting on several queues wakes up for a task on any of them")
		void blockedReserveOnSeveralQueuesWakes() throws Exception {
			String first = queue("wake-first");
			String second = queue("wake-second");
			ExecutorService pool = Executors.newSingleThreadExecutor();
			try {
				Future<List<Reservation>> waiting = pool
					.submit(() -> driver().reserve(List.of(first, second), 1, LONG_LEASE, Duration.ofSeconds(10)));
				await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
					.until(() -> !waiting.isDone());

				TaskMessage message = message(second, "wake");
				driver().enqueue(message, Duration.ZERO);

				await().atMost(Duration.ofSeconds(3)).until(waiting::isDone);
				assertThat(ids(waiting.get())).containsExactly(message.id());
			}
			finally {
				shutdown(pool);
			}
		}

		@Test
		@DisplayName("interrupting a thread waiting in reserve makes it throw InterruptedException")
		void interruptedReserveThrows() throws Exception {
			String queue = queue("interrupt");
			AtomicReference<Object> outcome = new AtomicReference<>();
			AtomicBoolean started = new AtomicBoolean();
			Thread waiter = new Thread(() -> {
				started.set(true);
				try {
					outcome.set(driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ofSeconds(10)));
				}
				catch (Throwable ex) {
					outcome.set(ex);
				}
			}, "tck-interrupted-reserve");
			waiter.setDaemon(true);
			waiter.start();
			try {
				await().atMost(Duration.ofSeconds(3)).untilTrue(started);
				await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> outcome.get() == null);

				waiter.interrupt();

				await().atMost(Duration.ofSeconds(3)).until(() -> outcome.get() != null);
				assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
			}
			finally {
				waiter.interrupt();
				waiter.join(5000);
			}
		}


		@Test
		@DisplayName("counts of one queue are independent of other queues")
		void countsPerQueue() throws Exception {
			String readyQueue = queue("counts-ready");
			String flightQueue = queue("counts-flight");
			String deadQueue = queue("counts-dead");
			String unused = queue("counts-unused");

			enqueue(readyQueue, 2);
			driver().enqueue(message(readyQueue, "later"), Duration.ofMinutes(10));
			enqueue(flightQueue, 3);
			assertThat(driver().reserve(List.of(flightQueue), 2, LONG_LEASE, Duration.ZERO)).hasSize(2);
			deadLetter(deadQueue, 1);

			assertThat(driver().counts(readyQueue)).isEqualTo(new QueueCounts(2, 1, 0, 0));
			assertThat(driver().counts(flightQueue)).isEqualTo(new QueueCounts(1, 0, 2, 0));
			assertThat(driver().counts(deadQueue)).isEqualTo(new QueueCounts(0, 0, 0, 1));
			assertThat(driver().counts(unused)).isEqualTo(QueueCounts.EMPTY);
			assertThat(reserveNow(unused)).isEmpty();
			assertThat(driver().deadLetters(readyQueue, 0, 10)).isEmpty();
		}

		@Test
		@DisplayName("enqueueAll stores every message, in their queues, with the delay given")
		void enqueueAllStoresAll() throws Exception {
			String first = queue("all-first");
			String second = queue("all-second");
			List<TaskMessage> messages = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				messages.add(message(first, "first-" + i));
				messages.add(message(second, "second-" + i));
			}
			driver().enqueueAll(messages, Duration.ZERO);

			assertThat(driver().counts(first)).isEqualTo(new QueueCounts(10, 0, 0, 0));
			assertThat(driver().counts(second)).isEqualTo(new QueueCounts(10, 0, 0, 0));
			List<Reservation> reserved = driver().reserve(List.of(first, second), 20, LONG_LEASE, Duration.ZERO);
			assertThat(ids(reserved)).containsExactlyInAnyOrderElementsOf(ids(messages));
			for (Reservation reservation : reserved) {
				TaskMessage original = messages.stream().filter((m) -> m.id().equals(reservation.id())).findFirst()
					.orElseThrow();
				assertThat(reservation.queue()).isEqualTo(original.queue());
				assertThat(reservation.message().body()).isEqualTo(original.body());
			}

			String delayed = queue("all-delayed");
			List<TaskMessage> later = List.of(message(delayed, "a"), message(delayed, "b"), message(delayed, "c"));
			driver().enqueueAll(later, Duration.ofMinutes(10));
			assertThat(driver().counts(delayed)).isEqualTo(new QueueCounts(0, 3, 0, 0));
			assertThat(reserveNow(delayed)).isEmpty();

			driver().enqueueAll(List.of(), Duration.ZERO);
		}

		@Test
		@DisplayName("invalid queue names are rejected with IllegalArgumentException")
		void invalidQueueNamesRejected() {
			byte[] body = "x".getBytes(StandardCharsets.UTF_8);
			for (String invalid : new String[] { "", " ", "has space", "semi;colon", "slash/name", "colon:name",
					"-leading-dash", ".leading-dot", "_leading-underscore", "quote'name", "star*", "a".repeat(81),
					"ünïcode" }) {
				assertThatIllegalArgumentException().as("queue name '%s'", invalid)
					.isThrownBy(() -> new TaskMessage(UUID.randomUUID().toString(), invalid, body, Instant.now()));
				assertThatIllegalArgumentException().as("queue name '%s'", invalid)
					.isThrownBy(() -> QueueNames.validate(invalid));
			}
			assertThatIllegalArgumentException().isThrownBy(() -> QueueNames.validate(null));
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new TaskMessage(UUID.randomUUID().toString(), null, body, Instant.now()));

			for (String valid : new String[] { "default", "a", "0", "emails.high", "Billing_v2-eu", "a".repeat(80) }) {
				assertThat(QueueNames.validate(valid)).isEqualTo(valid);
				assertThat(new TaskMessage(UUID.randomUUID().toString(), valid, body, Instant.now()).queue())
					.isEqualTo(valid);
			}
		}


		@Test
		@DisplayName("concurrent consumers: 500 tasks, 4 threads, every task handed out and acknowledged exactly once")
		void concurrentConsumers() throws Exception {
			String queue = queue("concurrent");
			int total = 500;
			List<TaskMessage> messages = new ArrayList<>();
			for (int i = 0; i < total; i++) {
				messages.add(message(queue, "task-" + i));
			}
			driver().enqueueAll(messages, Duration.ZERO);
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(total, 0, 0, 0));

			Map<String, AtomicInteger> handedOut = new ConcurrentHashMap<>();
			AtomicInteger acknowledged = new AtomicInteger();
			ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
			long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			ExecutorService pool = Executors.newFixedThreadPool(4);
			try {
				List<Future<?>> consumers = new ArrayList<>();
				for (int i = 0; i < 4; i++) {
					consumers.add(pool.submit(() -> {
						while (acknowledged.get() < total && System.nanoTime() < deadline) {
							List<Reservation> batch = driver().reserve(List.of(queue), 10, Duration.ofSeconds(20),
									Duration.ofMillis(100));
							if (batch.size() > 10) {
								problems.add("batch of " + batch.size() + " > max 10");
							}
							for (Reservation reservation : batch) {
								handedOut.computeIfAbsent(reservation.id(), (id) -> new AtomicInteger()).incrementAndGet();
								if (reservation.attempt() != 1) {
									problems.add(reservation.id() + " has attempt " + reservation.attempt());
								}
								if (driver().acknowledge(reservation)) {
									acknowledged.incrementAndGet();
								}
								else {
									problems.add("acknowledge(" + reservation.id() + ") returned false");
								}
							}
						}
						return null;
					}));
				}
				await().atMost(Duration.ofSeconds(25)).until(() -> consumers.stream().allMatch(Future::isDone));
				for (Future<?> consumer : consumers) {
					consumer.get();
				}
			}
			finally {
				shutdown(pool);
			}

			assertThat(problems).isEmpty();
			Set<String> expectedIds = messages.stream().map(TaskMessage::id).collect(Collectors.toSet());
			assertThat(handedOut.keySet()).isEqualTo(expectedIds);
			List<String> duplicates = handedOut.entrySet().stream()
				.filter((entry) -> entry.getValue().get() != 1)
				.map((entry) -> entry.getKey() + " x" + entry.getValue().get())
				.toList();
			assertThat(duplicates).as("tasks handed out more than once").isEmpty();
			assertThat(acknowledged.get()).isEqualTo(total);
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		}

	}

	/** Leases: expiry hands a task out again with its attempt counted, fencing refuses the old reservation, extension keeps it. */
	@Nested
	class Leases {

		@Test
		@DisplayName("a worker renews the lease of a task that runs longer than it: the task runs once and is acknowledged")
		void aWorkerRenewsTheLeaseOfALongTask() throws Exception {
			String queue = queue("renewal");
			CountedCalls calls = new CountedCalls();
			CountDownLatch renewed = new CountDownLatch(1);
			LongTask task = new LongTask(renewed);
			try (AsyncTasqRuntime runtime = AsyncTasq.builder()
				.driver(calls.around(driver()))
				.tasks(task)
				.queues(queue)
				.taskDefaults(TaskOptions.NONE.withQueue(queue).withVisibilityTimeout(shortLease()))
				.build()) {
				runtime.dispatcher().dispatch("tck.long");
				awaitAtMost(Duration.ofSeconds(20)).until(() -> task.runs.get() == 1);
				// the task keeps running until its lease was extended three times, past three leases (the worker
				// renews the leases due together with one extendLeases call)
				awaitAtMost(shortLease().multipliedBy(10).plusSeconds(10))
					.until(() -> calls.of("extendLease") + calls.of("extendLeases") >= 3);
				renewed.countDown();
				awaitAtMost(Duration.ofSeconds(20)).until(() -> driver().counts(queue).equals(QueueCounts.EMPTY));
				assertThat(task.runs.get()).as("runs").isEqualTo(1);
				assertThat(task.finished.get()).isEqualTo(1);
				assertThat(calls.of("acknowledge")).isEqualTo(1);
			}
		}



		@Test
		@DisplayName("a task whose lease expired is reserved again with attempt 2 and a new lease token")
		void expiredLeaseIsReclaimed() throws Exception {
			String queue = queue("expire");
			TaskMessage message = message(queue, "expire");
			driver().enqueue(message, Duration.ZERO);

			Reservation first = single(driver().reserve(List.of(queue), 1, shortLease(), Duration.ZERO));
			assertThat(first.attempt()).isEqualTo(1);

			Reservation second = awaitReservation(queue, LONG_LEASE);
			assertThat(Instant.now()).as("reclaimed before its lease ended")
				.isAfterOrEqualTo(first.leaseDeadline().minus(timingTolerance()));
			assertThat(second.id()).isEqualTo(message.id());
			assertThat(second.message().body()).isEqualTo(message.body());
			assertThat(second.attempt()).isEqualTo(2);
			assertThat(second.leaseToken()).isNotBlank().isNotEqualTo(first.leaseToken());
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
		}

		@Test
		@DisplayName("after a reclaim every operation with the old reservation returns false and leaves the new one alone")
		void staleReservationIsFenced() throws Exception {
			String queue = queue("fence");
			TaskMessage message = message(queue, "fence");
			driver().enqueue(message, Duration.ZERO);

			Reservation stale = single(driver().reserve(List.of(queue), 1, shortLease(), Duration.ZERO));
			Reservation current = awaitReservation(queue, LONG_LEASE);
			assertThat(current.attempt()).isEqualTo(2);
			QueueCounts oneInFlight = new QueueCounts(0, 0, 1, 0);

			assertThat(driver().acknowledge(stale)).as("acknowledge(stale)").isFalse();
			assertThat(driver().counts(queue)).isEqualTo(oneInFlight);
			assertThat(driver().retry(stale, Duration.ZERO)).as("retry(stale)").isFalse();
			assertThat(driver().counts(queue)).isEqualTo(oneInFlight);
			assertThat(driver().release(stale)).as("release(stale)").isFalse();
			assertThat(driver().counts(queue)).isEqualTo(oneInFlight);
			assertThat(driver().deadLetter(stale, DeadLetter.Failure.of("stale"))).as("deadLetter(stale)").isFalse();
			assertThat(driver().counts(queue)).isEqualTo(oneInFlight);
			assertThat(driver().deadLetters(queue, 0, 10)).isEmpty();
			assertThat(driver().extendLease(stale, LONG_LEASE)).as("extendLease(stale)").isFalse();
			assertThat(driver().counts(queue)).isEqualTo(oneInFlight);
			assertThat(reserveNow(queue)).as("the current reservation still holds the task").isEmpty();

			assertThat(driver().acknowledge(current)).as("acknowledge(current)").isTrue();
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
			assertThat(driver().acknowledge(current)).as("acknowledge twice").isFalse();
			assertThat(driver().acknowledge(stale)).isFalse();
			assertThat(reserveNow(queue)).isEmpty();
		}

		@Test
		@DisplayName("extendLease keeps the task reserved past its original deadline")
		void extendLeaseKeepsTheTask() throws Exception {
			String queue = queue("extend");
			TaskMessage message = message(queue, "extend");
			driver().enqueue(message, Duration.ZERO);
			Duration lease = shortLease();
			Reservation reservation = single(driver().reserve(List.of(queue), 1, lease, Duration.ZERO));

			AtomicInteger extensions = new AtomicInteger();
			Duration during = lease.multipliedBy(3);
			// a failed check throws, which ends the wait at once
			await().pollInterval(lease.dividedBy(4)).during(during).atMost(during.plusSeconds(10)).until(() -> {
				if (!driver().extendLease(reservation, lease)) {
					throw new IllegalStateException("extendLease returned false after " + extensions.get()
							+ " extensions: the lease was lost while being extended");
				}
				extensions.incrementAndGet();
				List<Reservation> other = reserveNow(queue);
				if (!other.isEmpty()) {
					throw new IllegalStateException("reserved again while its lease was extended: " + ids(other));
				}
				return true;
			});

			assertThat(Instant.now()).isAfter(reservation.leaseDeadline());
			assertThat(extensions.get()).isGreaterThan(1);
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
			assertThat(driver().extendLease(reservation, LONG_LEASE)).isTrue();
			assertThat(driver().acknowledge(reservation)).as("the original reservation still owns the task").isTrue();
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		}

	}

	/** Settlement: acknowledge, retry, release and postpone. */
	@Nested
	class Settlement {


		@Test
		@DisplayName("acknowledge removes the task for good")
		void acknowledgeRemovesTheTask() throws Exception {
			String queue = queue("ack");
			driver().enqueue(message(queue, "ack"), Duration.ZERO);
			Reservation reservation = single(driver().reserve(List.of(queue), 1, shortLease(), Duration.ZERO));

			assertThat(driver().acknowledge(reservation)).isTrue();
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
			assertThat(driver().deadLetters(queue, 0, 10)).isEmpty();
			// not merely hidden by its lease: still gone after the lease would have ended
			Duration during = shortLease().multipliedBy(2);
			await().during(during).atMost(during.plusSeconds(5)).until(() -> reserveNow(queue).isEmpty());
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		}

		@Test
		@DisplayName("extendLeases keeps every held task reserved past its original deadline and answers false for a stale reservation")
		void extendLeasesKeepsEachHeldTask() throws Exception {
			String queue = queue("extend-all");
			Duration lease = shortLease();
			StaleAndHeld reserved = staleCurrentAndThreeHeld(queue, lease);
			Reservation stale = reserved.stale();
			Reservation current = reserved.current();
			List<Reservation> held = reserved.held();

			Duration during = lease.multipliedBy(3);
			// a failed check throws, which ends the wait at once
			await().pollInterval(lease.dividedBy(4)).during(during).atMost(during.plusSeconds(10)).until(() -> {
				boolean[] extended = driver().extendLeases(held, lease);
				if (extended.length != 3 || !extended[0] || !extended[1] || !extended[2]) {
					throw new IllegalStateException("a lease was lost while being extended: " + Arrays.toString(extended));
				}
				List<Reservation> other = reserveNow(queue);
				if (!other.isEmpty()) {
					throw new IllegalStateException("reserved again while its lease was extended: " + ids(other));
				}
				return true;
			});

			assertThat(Instant.now()).isAfter(held.get(0).leaseDeadline());
			assertThat(driver().extendLeases(List.of(held.get(0), stale, held.get(1), held.get(2), current), LONG_LEASE))
				.containsExactly(true, false, true, true, true);
			assertThat(driver().extendLeases(List.of(), LONG_LEASE)).isEmpty();
			assertThat(driver().acknowledgeAll(List.of(held.get(0), held.get(1), held.get(2), current)))
				.as("the extended reservations still own their tasks")
				.containsExactly(true, true, true, true);
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		}

		@Test
		@DisplayName("acknowledgeAll acknowledges every reservation that holds its task and leaves a stale one and its task alone")
		void acknowledgeAllAcknowledgesEachHeldReservation() throws Exception {
			String queue = queue("ack-all");
			StaleAndHeld reserved = staleCurrentAndThreeHeld(queue, LONG_LEASE);
			Reservation stale = reserved.stale();
			Reservation current = reserved.current();
			List<Reservation> held = reserved.held();

			assertThat(driver().acknowledgeAll(List.of(held.get(0), stale, held.get(1), held.get(2))))
				.containsExactly(true, false, true, true);
			assertThat(driver().counts(queue)).as("the current reservation still holds its task")
				.isEqualTo(new QueueCounts(0, 0, 1, 0));
			assertThat(driver().acknowledgeAll(List.of(current, held.get(0)))).containsExactly(true, false);
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
			assertThat(driver().acknowledgeAll(List.of())).isEmpty();
			assertThat(reserveNow(queue)).isEmpty();
		}
		/**
		 * A task whose first reservation ({@code stale}) expired and was reserved again ({@code current}), and
		 * three more tasks of the queue reserved with {@code lease}.
		 */
		private StaleAndHeld staleCurrentAndThreeHeld(String queue, Duration lease) throws Exception {
			driver().enqueue(message(queue, "fenced"), Duration.ZERO);
			Reservation stale = single(driver().reserve(List.of(queue), 1, shortLease(), Duration.ZERO));
			Reservation current = awaitReservation(queue, LONG_LEASE);
			driver().enqueueAll(List.of(message(queue, "a"), message(queue, "b"), message(queue, "c")), Duration.ZERO);
			List<Reservation> held = new ArrayList<>();
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				held.addAll(driver().reserve(List.of(queue), 3 - held.size(), lease, Duration.ofMillis(100)));
				return held.size() == 3;
			});
			return new StaleAndHeld(stale, current, held);
		}


		@Test
		@DisplayName("retry moves the task to delayed in one step, keeps the attempt counted, and it is reserved after the delay with attempt 2")
		void retryWithDelay() throws Exception {
			String queue = queue("retry");
			TaskMessage message = message(queue, "retry");
			driver().enqueue(message, Duration.ZERO);
			Reservation first = single(driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO));
			assertThat(first.attempt()).isEqualTo(1);
			Duration delay = shortDelay();

			long start = System.nanoTime();
			assertThat(driver().retry(first, delay)).isTrue();
			assertThat(driver().counts(queue)).as("right after retry").isEqualTo(new QueueCounts(0, 1, 0, 0));

			List<Reservation> early = reserveNow(queue);
			if (elapsedSince(start).compareTo(delay.minus(timingTolerance())) < 0) {
				assertThat(early).as("reserved before the retry delay").isEmpty();
			}

			Reservation second = awaitReservation(queue, LONG_LEASE);
			assertThat(elapsedSince(start)).as("reserved before the retry delay")
				.isGreaterThanOrEqualTo(delay.minus(timingTolerance()));
			assertThat(second.id()).isEqualTo(message.id());
			assertThat(second.message().body()).isEqualTo(message.body());
			assertThat(second.attempt()).isEqualTo(2);
			assertThat(second.leaseToken()).isNotEqualTo(first.leaseToken());
			assertThat(driver().retry(first, Duration.ZERO)).as("retry the same reservation twice").isFalse();
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 1, 0));
		}

		@Test
		@DisplayName("retry with zero delay makes the task ready at once")
		void retryWithZeroDelay() throws Exception {
			String queue = queue("retry-now");
			TaskMessage message = message(queue, "retry-now");
			driver().enqueue(message, Duration.ZERO);
			Reservation first = single(driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO));

			assertThat(driver().retry(first, Duration.ZERO)).isTrue();
			assertThat(driver().counts(queue)).as("right after retry").isEqualTo(new QueueCounts(1, 0, 0, 0));

			Reservation second = single(reserveNow(queue));
			assertThat(second.id()).isEqualTo(message.id());
			assertThat(second.attempt()).isEqualTo(2);
			assertThat(driver().acknowledge(second)).isTrue();
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		}

		@Test
		@DisplayName("release gives the attempt back and puts the task at the front of its queue")
		void releaseDoesNotCountTheAttempt() throws Exception {
			String queue = queue("release");
			TaskMessage message = message(queue, "release");
			driver().enqueue(message, Duration.ZERO);
			Reservation first = single(driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO));
			assertThat(first.attempt()).isEqualTo(1);
			List<String> later = enqueue(queue, 2);

			assertThat(driver().release(first)).isTrue();
			assertThat(driver().counts(queue)).as("right after release").isEqualTo(new QueueCounts(3, 0, 0, 0));
			assertThat(driver().release(first)).as("release twice").isFalse();

			List<Reservation> next = driver().reserve(List.of(queue), 3, LONG_LEASE, Duration.ZERO);
			assertThat(ids(next)).containsExactly(message.id(), later.get(0), later.get(1));
			assertThat(next.get(0).attempt()).as("attempt after release").isEqualTo(1);
			assertThat(next.get(0).message().body()).isEqualTo(message.body());
		}

		@Test
		@DisplayName("a released task goes ahead of tasks enqueued before it that are still ready")
		void releasedTaskGoesAheadOfOlderReadyTasks() throws Exception {
			String queue = queue("release-front");
			// the older tasks are delayed, so the newer one is reserved first
			List<String> older = new ArrayList<>();
			for (int i = 0; i < 2; i++) {
				TaskMessage olderMessage = message(queue, "older-" + i);
				driver().enqueue(olderMessage, shortDelay());
				older.add(olderMessage.id());
			}
			TaskMessage newer = message(queue, "newer");
			driver().enqueue(newer, Duration.ZERO);
			Reservation reservation = single(driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO));
			assertThat(reservation.id()).isEqualTo(newer.id());

			awaitAtMost(shortDelay().plusSeconds(5))
				.untilAsserted(() -> assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(2, 0, 1, 0)));
			assertThat(driver().release(reservation)).isTrue();

			List<Reservation> next = driver().reserve(List.of(queue), 3, LONG_LEASE, Duration.ZERO);
			assertThat(ids(next)).containsExactly(newer.id(), older.get(0), older.get(1));
			assertThat(next.get(0).attempt()).isEqualTo(1);
		}

		@Test
		@DisplayName("postpone gives the attempt back and hides the task for the delay, then it is reserved with the same attempt")
		void postponeDoesNotCountTheAttempt() throws Exception {
			String queue = queue("postpone");
			TaskMessage message = message(queue, "postpone");
			driver().enqueue(message, Duration.ZERO);
			Reservation first = single(reserveNow(queue));
			assertThat(first.attempt()).isEqualTo(1);

			long postponedAt = System.nanoTime();
			assertThat(driver().postpone(first, shortDelay())).isTrue();
			assertThat(driver().postpone(first, shortDelay())).as("postpone twice").isFalse();
			assertThat(driver().acknowledge(first)).as("acknowledge after postpone").isFalse();
			assertThat(driver().counts(queue)).as("right after postpone").isEqualTo(new QueueCounts(0, 1, 0, 0));

			Reservation again = awaitReservation(queue, LONG_LEASE);
			assertThat(elapsedSince(postponedAt)).as("not reserved before the delay")
				.isGreaterThanOrEqualTo(shortDelay().minus(timingTolerance()));
			assertThat(again.id()).isEqualTo(message.id());
			assertThat(again.attempt()).as("attempt after postpone").isEqualTo(1);
			assertThat(again.message().body()).isEqualTo(message.body());
			assertThat(driver().acknowledge(again)).isTrue();
		}

		@Test
		@DisplayName("postpone with zero delay makes the task ready at once, its attempt not counted")
		void postponeWithZeroDelay() throws Exception {
			String queue = queue("postpone-now");
			driver().enqueue(message(queue, "postpone-now"), Duration.ZERO);
			Reservation first = single(reserveNow(queue));

			assertThat(driver().postpone(first, Duration.ZERO)).isTrue();

			Reservation again = awaitReservation(queue, LONG_LEASE);
			assertThat(again.attempt()).isEqualTo(1);
		}

	}

	/** Dead letters: kept with why, storable whatever the error said, listed, retried and purged. */
	@Nested
	class DeadLetters {


		@Test
		@DisplayName("deadLetter moves the task to the dead-letter queue with why, its attempts and its original body")
		void deadLetterKeepsWhy() throws Exception {
			String queue = queue("dead");
			byte[] body = binaryBody();
			TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), queue, body, Instant.now());
			driver().enqueue(message, Duration.ZERO);
			// two attempts, so the reset by retryDeadLetter shows
			Reservation first = single(driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO));
			assertThat(driver().retry(first, Duration.ZERO)).isTrue();
			Reservation second = single(reserveNow(queue));
			assertThat(second.attempt()).isEqualTo(2);

			Instant before = Instant.now();
			assertThat(driver().deadLetter(second, DeadLetter.Failure.of("failed", new IllegalStateException("boom"))))
				.isTrue();
			Instant after = Instant.now();

			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, 1));
			assertThat(reserveNow(queue)).as("a dead letter is not reservable").isEmpty();
			List<DeadLetter> deadLetters = driver().deadLetters(queue, 0, 10);
			assertThat(deadLetters).hasSize(1);
			DeadLetter deadLetter = deadLetters.get(0);
			assertThat(deadLetter.id()).isEqualTo(message.id());
			assertThat(deadLetter.message().queue()).isEqualTo(queue);
			assertThat(deadLetter.message().body()).isEqualTo(body);
			assertThat(deadLetter.attempts()).isEqualTo(2);
			assertThat(deadLetter.failure().reason()).isEqualTo("failed");
			assertThat(deadLetter.failure().errorClass()).isEqualTo(IllegalStateException.class.getName());
			assertThat(deadLetter.failure().errorMessage()).isEqualTo("boom");
			assertThat(deadLetter.failure().stackTrace()).contains("boom").contains(IllegalStateException.class.getName());
			assertThat(deadLetter.deadLetteredAt()).isBetween(before.minusSeconds(1), after.plusSeconds(1));
			assertThat(driver().acknowledge(second)).as("acknowledge after deadLetter").isFalse();
		}

		@Test
		@DisplayName("a dead letter with only a reason keeps its error fields null")
		void deadLetterWithReasonOnly() throws Exception {
			String queue = queue("dead-reason");
			TaskMessage message = message(queue, "reason");
			driver().enqueue(message, Duration.ZERO);
			Reservation reservation = single(reserveNow(queue));

			assertThat(driver().deadLetter(reservation, DeadLetter.Failure.of("unknown task"))).isTrue();

			DeadLetter deadLetter = single(driver().deadLetters(queue, 0, 10));
			assertThat(deadLetter.id()).isEqualTo(message.id());
			assertThat(deadLetter.attempts()).isEqualTo(1);
			assertThat(deadLetter.failure()).isEqualTo(DeadLetter.Failure.of("unknown task"));
		}

		@Test
		@DisplayName("a failure whose texts hold NUL, control characters and a lone surrogate is stored, those characters replaced")
		void deadLetterWithUnstorableText() throws Exception {
			String queue = queue("dead-nul");
			TaskMessage message = message(queue, "nul");
			driver().enqueue(message, Duration.ZERO);
			Reservation reservation = single(reserveNow(queue));
			String nasty = "bad\u0000byte \u0007bell \uD800lone \uD83D\uDE00 kept\tand\nlines";

			assertThat(driver().deadLetter(reservation,
					new DeadLetter.Failure("failed\u0000", "x.Error\u0000", nasty, "trace\u0000" + nasty)))
				.isTrue();

			DeadLetter deadLetter = single(driver().deadLetters(queue, 0, 10));
			String cleaned = "bad\uFFFDbyte \uFFFDbell \uFFFDlone \uD83D\uDE00 kept\tand\nlines";
			assertThat(deadLetter.failure().reason()).isEqualTo("failed\uFFFD");
			assertThat(deadLetter.failure().errorClass()).isEqualTo("x.Error\uFFFD");
			assertThat(deadLetter.failure().errorMessage()).isEqualTo(cleaned);
			assertThat(deadLetter.failure().stackTrace()).isEqualTo("trace\uFFFD" + cleaned);
		}

		@Test
		@DisplayName("dead-lettering a task whose id already has a dead letter in the queue succeeds, and the newer is listed")
		void deadLetterWithRepeatedId() throws Exception {
			String queue = queue("dead-twice");
			String id = UUID.randomUUID().toString();
			driver().enqueue(new TaskMessage(id, queue, "first".getBytes(StandardCharsets.UTF_8), Instant.now()),
					Duration.ZERO);
			assertThat(driver().deadLetter(single(reserveNow(queue)), DeadLetter.Failure.of("first failure")))
				.isTrue();
			driver().enqueue(new TaskMessage(id, queue, "second".getBytes(StandardCharsets.UTF_8), Instant.now()),
					Duration.ZERO);
			Reservation second = single(reserveNow(queue));
			assertThat(second.id()).isEqualTo(id);

			assertThat(driver().deadLetter(second, DeadLetter.Failure.of("second failure"))).isTrue();

			assertThat(driver().counts(queue).inFlight()).isZero();
			assertThat(reserveNow(queue)).isEmpty();
			assertThat(driver().deadLetters(queue, 0, 10)).extracting((dead) -> dead.failure().reason())
				.contains("second failure");
		}

		@Test
		@DisplayName("retryDeadLetter makes the task ready again with its attempts reset, and the dead letter is gone")
		void retryDeadLetter() throws Exception {
			String queue = queue("dead-retry");
			TaskMessage message = message(queue, "dead-retry");
			driver().enqueue(message, Duration.ZERO);
			Reservation first = single(reserveNow(queue));
			assertThat(driver().retry(first, Duration.ZERO)).isTrue();
			Reservation second = single(reserveNow(queue));
			assertThat(second.attempt()).isEqualTo(2);
			assertThat(driver().deadLetter(second, DeadLetter.Failure.of("failed", new IllegalStateException("boom"))))
				.isTrue();

			assertThat(driver().retryDeadLetter(queue, message.id())).isTrue();
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 0));
			assertThat(driver().deadLetters(queue, 0, 10)).isEmpty();
			assertThat(driver().retryDeadLetter(queue, message.id())).as("retryDeadLetter twice").isFalse();

			Reservation again = single(reserveNow(queue));
			assertThat(again.id()).isEqualTo(message.id());
			assertThat(again.message().body()).isEqualTo(message.body());
			assertThat(again.attempt()).isEqualTo(1);
		}

		@Test
		@DisplayName("retryDeadLetter of an unknown id returns false")
		void retryUnknownDeadLetter() {
			String queue = queue("dead-unknown");
			assertThat(driver().retryDeadLetter(queue, UUID.randomUUID().toString())).isFalse();
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		}

		@Test
		@DisplayName("deleteDeadLetter deletes that dead letter only, once; a ready task or an unknown id is left alone")
		void deleteDeadLetter() throws Exception {
			String queue = queue("dead-delete");
			TaskMessage doomed = message(queue, "dead-delete-1");
			TaskMessage kept = message(queue, "dead-delete-2");
			TaskMessage ready = message(queue, "dead-delete-3");
			driver().enqueueAll(List.of(doomed, kept), Duration.ZERO);
			for (int i = 0; i < 2; i++) {
				assertThat(driver().deadLetter(single(reserveNow(queue)), DeadLetter.Failure.of("failed"))).isTrue();
			}
			driver().enqueue(ready, Duration.ZERO);

			assertThat(driver().deleteDeadLetter(queue, doomed.id())).isTrue();
			assertThat(driver().deadLetters(queue, 0, 10)).extracting((dead) -> dead.message().id())
				.containsExactly(kept.id());
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 1));
			assertThat(driver().deleteDeadLetter(queue, doomed.id())).as("deleteDeadLetter twice").isFalse();
			assertThat(driver().deleteDeadLetter(queue, ready.id())).as("a ready task").isFalse();
			assertThat(driver().deleteDeadLetter(queue, UUID.randomUUID().toString())).as("an unknown id").isFalse();
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(1, 0, 0, 1));
			assertThat(single(reserveNow(queue)).id()).isEqualTo(ready.id());
			// a deleted dead letter's id is free: enqueued again, it is a new task
			driver().enqueue(doomed, Duration.ZERO);
			assertThat(driver().counts(queue)).isEqualTo(new QueueCounts(1, 0, 1, 1));
		}

		@Test
		@DisplayName("purgeDeadLetters deletes every dead letter of the queue and returns how many")
		void purgeDeadLetters() throws Exception {
			String queue = queue("dead-purge");
			String other = queue("dead-purge-other");
			deadLetter(queue, 3);
			deadLetter(other, 1);

			assertThat(driver().purgeDeadLetters(queue)).isEqualTo(3);
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
			assertThat(driver().deadLetters(queue, 0, 10)).isEmpty();
			assertThat(driver().purgeDeadLetters(queue)).isZero();
			assertThat(driver().counts(other)).as("another queue's dead letters").isEqualTo(new QueueCounts(0, 0, 0, 1));
		}

		@Test
		@DisplayName("dead letters older than the retention are expired and the younger ones kept, by expireDeadLetters or by the backend itself")
		void deadLettersExpireAfterTheRetention() throws Exception {
			Duration retention = Duration.ofSeconds(3);
			String queue = queue("dead-expire");
			try (QueueDriver retaining = DriverFacade.of(createDriver(namespace(), retention))) {
				boolean byItself = retaining.expiresDeadLettersItself();
				List<String> old = deadLetter(retaining, queue, 2);
				if (!byItself) {
					assertThat(retaining.expireDeadLetters(queue, retention, 100)).as("nothing is old yet").isZero();
				}
				assertThat(deadLetterIds(retaining.deadLetters(queue, 0, 10))).containsExactlyElementsOf(old);

				awaitAtMost(retention.plusSeconds(20)).until(() -> {
					if (!byItself) {
						retaining.expireDeadLetters(queue, retention, 100);
					}
					return retaining.deadLetters(queue, 0, 10).isEmpty();
				});
				assertThat(retaining.counts(queue)).isEqualTo(QueueCounts.EMPTY);

				List<String> fresh = deadLetter(retaining, queue, 1);
				if (!byItself) {
					assertThat(retaining.expireDeadLetters(queue, retention, 100)).as("a fresh dead letter").isZero();
				}
				assertThat(deadLetterIds(retaining.deadLetters(queue, 0, 10))).containsExactlyElementsOf(fresh);
				assertThat(retaining.counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, 1));
			}
		}

		@Test
		@DisplayName("expireDeadLetters deletes at most max of the queue's oldest dead letters past the retention, returns how many, and leaves other queues alone")
		void expireDeadLettersIsBounded() throws Exception {
			try (QueueDriver retaining = DriverFacade.of(createDriver(namespace(), Duration.ofDays(1)))) {
				String queue = queue("dead-expire-bounded");
				if (retaining.expiresDeadLettersItself()) {
					// the backend expires them after the retention it was built with; asking deletes none sooner
					List<String> kept = deadLetter(retaining, queue, 2);
					assertThat(retaining.expireDeadLetters(queue, Duration.ofMillis(1), 10)).isZero();
					assertThat(deadLetterIds(retaining.deadLetters(queue, 0, 10))).containsExactlyInAnyOrderElementsOf(kept);
					return;
				}
				String other = queue("dead-expire-other");
				List<String> ids = deadLetter(retaining, queue, 3);
				deadLetter(retaining, other, 1);
				assertThat(retaining.expireDeadLetters(queue, Duration.ofHours(1), 10)).as("none is an hour old").isZero();

				Duration retention = Duration.ofMillis(200);
				await().pollDelay(retention.plus(timingTolerance()).multipliedBy(2)).atMost(Duration.ofSeconds(5))
					.until(() -> true);
				assertThat(retaining.expireDeadLetters(queue, retention, 2)).isEqualTo(2);
				assertThat(deadLetterIds(retaining.deadLetters(queue, 0, 10))).containsExactly(ids.get(2));
				assertThat(retaining.counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, 1));
				assertThat(retaining.expireDeadLetters(queue, retention, 10)).isEqualTo(1);
				assertThat(retaining.expireDeadLetters(queue, retention, 10)).isZero();
				assertThat(retaining.counts(queue)).isEqualTo(QueueCounts.EMPTY);
				assertThat(retaining.counts(other)).as("another queue's dead letters")
					.isEqualTo(new QueueCounts(0, 0, 0, 1));
				assertThatIllegalArgumentException().isThrownBy(() -> retaining.expireDeadLetters(queue, Duration.ZERO, 10));
				assertThatIllegalArgumentException().isThrownBy(() -> retaining.expireDeadLetters(queue, retention, 0));
			}
		}

		@Test
		@DisplayName("deadLetters pages oldest first with offset and limit")
		void deadLettersPaging() throws Exception {
			String queue = queue("dead-page");
			List<String> ids = deadLetter(queue, 5);

			assertThat(deadLetterIds(driver().deadLetters(queue, 0, 10))).containsExactlyElementsOf(ids);
			assertThat(deadLetterIds(driver().deadLetters(queue, 0, 2))).containsExactly(ids.get(0), ids.get(1));
			assertThat(deadLetterIds(driver().deadLetters(queue, 2, 2))).containsExactly(ids.get(2), ids.get(3));
			assertThat(deadLetterIds(driver().deadLetters(queue, 4, 2))).containsExactly(ids.get(4));
			assertThat(driver().deadLetters(queue, 5, 2)).isEmpty();
			assertThat(driver().deadLetters(queue("dead-page-none"), 0, 10)).isEmpty();
		}

	}

	/** Lifecycle: ping, close, and the argument rules every driver gets from the facade. */
	@Nested
	class Lifecycle {

		@Test
		@DisplayName("argument rules: reserve asks for one task or more from one valid queue or more, with a positive lease and a wait of zero or more")
		void reserveArgumentRules() {
			String queue = queue("rules-reserve");
			assertThatIllegalArgumentException().isThrownBy(() -> driver().reserve(List.of(queue), 0, LONG_LEASE,
					Duration.ZERO)).withMessageContaining("at least one task");
			assertThatIllegalArgumentException().isThrownBy(() -> driver().reserve(List.of(queue), -1, LONG_LEASE,
					Duration.ZERO));
			assertThatIllegalArgumentException().isThrownBy(() -> driver().reserve(List.of(), 1, LONG_LEASE,
					Duration.ZERO)).withMessageContaining("at least one queue");
			assertThatIllegalArgumentException().isThrownBy(() -> driver().reserve(List.of(queue), 1, Duration.ZERO,
					Duration.ZERO)).withMessageContaining("lease must be positive");
			assertThatIllegalArgumentException().isThrownBy(() -> driver().reserve(List.of(queue), 1, LONG_LEASE,
					Duration.ofMillis(-1))).withMessageContaining("wait must be zero or positive");
		}

		@Test
		@DisplayName("argument rules: a delay is zero or positive and at most MAX_DELAY; nothing is stored otherwise")
		void delayArgumentRules() throws Exception {
			String queue = queue("rules-delay");
			assertThatIllegalArgumentException().isThrownBy(() -> driver().enqueue(message(queue, "negative"),
					Duration.ofMillis(-1))).withMessageContaining("delay must be zero or positive");
			assertThatIllegalArgumentException().isThrownBy(() -> driver().enqueueAll(List.of(message(queue, "null")),
					null));
			assertThatIllegalArgumentException().isThrownBy(() -> driver().enqueue(message(queue, "too far"),
					QueueDriver.MAX_DELAY.plusSeconds(1)));
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
			driver().enqueue(message(queue, "ok"), Duration.ZERO);
			Reservation reserved = single(reserveNow(queue));
			assertThatIllegalArgumentException().isThrownBy(() -> driver().retry(reserved, Duration.ofMillis(-5)));
			assertThatIllegalArgumentException().isThrownBy(() -> driver().postpone(reserved, Duration.ofMillis(-5)));
			assertThatIllegalArgumentException().isThrownBy(() -> driver().extendLease(reserved, Duration.ZERO));
			assertThat(driver().counts(queue)).as("still reserved").isEqualTo(new QueueCounts(0, 0, 1, 0));
			assertThat(driver().acknowledge(reserved)).isTrue();
		}

		@Test
		@DisplayName("argument rules: paging dead letters starts at zero or more; a limit of zero lists nothing; enqueueAll of nothing stores nothing")
		void pagingAndEmptyBatchRules() {
			String queue = queue("rules-paging");
			assertThatIllegalArgumentException().isThrownBy(() -> driver().deadLetters(queue, -1, 10));
			assertThatIllegalArgumentException().isThrownBy(() -> driver().deadLetters(queue, 0, -1));
			assertThat(driver().deadLetters(queue, 0, 0)).isEmpty();
			driver().enqueueAll(List.of(), Duration.ZERO);
			assertThat(driver().counts(queue)).isEqualTo(QueueCounts.EMPTY);
		}



		@Test
		@DisplayName("ping succeeds on a live driver, and the driver has a name")
		void pingSucceeds() {
			assertThatCode(() -> driver().ping()).doesNotThrowAnyException();
			assertThat(driver().name()).isNotBlank();
		}

		@Test
		@DisplayName("after close every operation throws IllegalStateException, and close twice is fine")
		void closedDriverRefusesOperations() throws Exception {
			String queue = queue("closed");
			TaskMessage message = message(queue, "closed");
			driver().enqueue(message, Duration.ZERO);
			Reservation reservation = single(reserveNow(queue));

			driver().close();

			assertThatThrownBy(() -> driver().enqueue(message(queue, "after-close"), Duration.ZERO))
				.as("enqueue").isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().enqueueAll(List.of(message(queue, "after-close")), Duration.ZERO))
				.as("enqueueAll").isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO))
				.as("reserve").isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().reserve(List.of(queue), 1, LONG_LEASE, Duration.ofSeconds(1)))
				.as("reserve with a wait").isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().counts(queue)).as("counts").isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().acknowledge(reservation)).as("acknowledge")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().retry(reservation, Duration.ZERO)).as("retry")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().release(reservation)).as("release")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().postpone(reservation, Duration.ZERO)).as("postpone")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().deadLetter(reservation, DeadLetter.Failure.of("closed")))
				.as("deadLetter").isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().extendLease(reservation, LONG_LEASE)).as("extendLease")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().deadLetters(queue, 0, 10)).as("deadLetters")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().retryDeadLetter(queue, message.id())).as("retryDeadLetter")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().deleteDeadLetter(queue, message.id())).as("deleteDeadLetter")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().purgeDeadLetters(queue)).as("purgeDeadLetters")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().expireDeadLetters(queue, Duration.ofDays(1), 10)).as("expireDeadLetters")
				.isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> driver().ping()).as("ping").isInstanceOf(IllegalStateException.class);

			assertThatCode(() -> driver().close()).as("close twice").doesNotThrowAnyException();
		}

	}

	// ------------------------------------------------------------------ find by id (a driver may not support it)

	@Test
	@DisplayName("find: a ready task is READY with its message, no attempts and no due time")
	void findReady() {
		String queue = queue("find-ready");
		TaskMessage message = message(queue, "ready");
		if (!driver().canFind()) {
			assertFindUnsupported(queue, message.id());
			return;
		}
		driver().enqueue(message, Duration.ZERO);

		StoredTask found = driver().find(queue, message.id()).orElseThrow();
		assertThat(found.state()).isEqualTo(StoredTask.State.READY);
		assertThat(found.message().id()).isEqualTo(message.id());
		assertThat(found.message().queue()).isEqualTo(queue);
		assertThat(found.message().body()).isEqualTo(message.body());
		assertThat(found.attempts()).isZero();
		assertThat(found.availableAt()).isNull();
		assertThat(found.deadLetter()).isNull();
	}

	@Test
	@DisplayName("find: a delayed task is DELAYED until its due time")
	void findDelayed() {
		String queue = queue("find-delayed");
		TaskMessage message = message(queue, "delayed");
		if (!driver().canFind()) {
			assertFindUnsupported(queue, message.id());
			return;
		}
		Instant before = Instant.now();
		driver().enqueue(message, LONG_LEASE);
		Instant after = Instant.now();

		StoredTask found = driver().find(queue, message.id()).orElseThrow();
		assertThat(found.state()).isEqualTo(StoredTask.State.DELAYED);
		assertThat(found.attempts()).isZero();
		assertThat(found.availableAt()).isBetween(before.plus(LONG_LEASE).minusSeconds(1),
				after.plus(LONG_LEASE).plusSeconds(1));
	}

	@Test
	@DisplayName("find: a reserved task is IN_FLIGHT, its attempt counted, due at its lease deadline; after a retry it is DELAYED with its attempts kept")
	void findInFlightThenRetried() throws Exception {
		String queue = queue("find-in-flight");
		TaskMessage message = message(queue, "in-flight");
		if (!driver().canFind()) {
			assertFindUnsupported(queue, message.id());
			return;
		}
		driver().enqueue(message, Duration.ZERO);
		Reservation reservation = single(reserveNow(queue));

		StoredTask inFlight = driver().find(queue, message.id()).orElseThrow();
		assertThat(inFlight.state()).isEqualTo(StoredTask.State.IN_FLIGHT);
		assertThat(inFlight.attempts()).isEqualTo(1);
		assertThat(Duration.between(reservation.leaseDeadline(), inFlight.availableAt()).abs())
			.as("due at the lease deadline").isLessThanOrEqualTo(Duration.ofSeconds(1));

		Instant before = Instant.now();
		assertThat(driver().retry(reservation, LONG_LEASE)).isTrue();
		Instant after = Instant.now();
		StoredTask retried = driver().find(queue, message.id()).orElseThrow();
		assertThat(retried.state()).isEqualTo(StoredTask.State.DELAYED);
		assertThat(retried.attempts()).as("the failed attempt stays counted").isEqualTo(1);
		assertThat(retried.availableAt()).isBetween(before.plus(LONG_LEASE).minusSeconds(1),
				after.plus(LONG_LEASE).plusSeconds(1));
	}

	@Test
	@DisplayName("find: a dead letter is DEAD_LETTERED with its dead letter; an acknowledged task is not found")
	void findDeadLetteredAndAcknowledged() throws Exception {
		String queue = queue("find-dead");
		TaskMessage doomed = message(queue, "doomed");
		if (!driver().canFind()) {
			assertFindUnsupported(queue, doomed.id());
			return;
		}
		driver().enqueue(doomed, Duration.ZERO);
		Reservation reservation = single(reserveNow(queue));
		assertThat(driver().deadLetter(reservation,
				DeadLetter.Failure.of("failed", new IllegalStateException("boom")))).isTrue();

		StoredTask dead = driver().find(queue, doomed.id()).orElseThrow();
		assertThat(dead.state()).isEqualTo(StoredTask.State.DEAD_LETTERED);
		assertThat(dead.attempts()).isEqualTo(1);
		assertThat(dead.availableAt()).isNull();
		assertThat(dead.message().body()).isEqualTo(doomed.body());
		assertThat(dead.deadLetter()).isNotNull();
		assertThat(dead.deadLetter().id()).isEqualTo(doomed.id());
		assertThat(dead.deadLetter().attempts()).isEqualTo(1);
		assertThat(dead.deadLetter().failure().reason()).isEqualTo("failed");
		assertThat(dead.deadLetter().failure().errorClass()).isEqualTo(IllegalStateException.class.getName());
		assertThat(dead.deadLetter().failure().errorMessage()).isEqualTo("boom");

		TaskMessage done = message(queue, "done");
		driver().enqueue(done, Duration.ZERO);
		assertThat(driver().acknowledge(single(reserveNow(queue)))).isTrue();
		assertThat(driver().find(queue, done.id())).as("acknowledged").isEmpty();
	}

	@Test
	@DisplayName("find: an unknown id, or a task of another queue, is not found")
	void findUnknownOrInAnotherQueue() {
		String queue = queue("find-unknown");
		String other = queue("find-other");
		TaskMessage message = message(queue, "here");
		if (!driver().canFind()) {
			assertFindUnsupported(queue, message.id());
			return;
		}
		driver().enqueue(message, Duration.ZERO);

		assertThat(driver().find(queue, UUID.randomUUID().toString())).as("unknown id").isEmpty();
		assertThat(driver().find(other, message.id())).as("another queue").isEmpty();
	}

	private void assertFindUnsupported(String queue, String taskId) {
		assertThatThrownBy(() -> driver().find(queue, taskId)).as("find of a driver that cannot find")
			.isInstanceOf(UnsupportedOperationException.class);
	}

	// ------------------------------------------------------------------ results (a driver may not store them)

	@Test
	@DisplayName("results: a recorded result is read back as it was, by another instance of the same namespace too")
	void resultRecordedThenRead() {
		TaskResult succeeded = result(TaskResult.Outcome.SUCCEEDED, "{\"total\":12.50,\"items\":[\"a\",null]}", null);
		TaskResult failed = new TaskResult(UUID.randomUUID().toString(), "tck.failing", "results", TaskResult.Outcome.DEAD_LETTERED,
				3, Instant.now().minusSeconds(2), Instant.now(), null, IllegalStateException.class.getName(),
				"boom: \"quoted\"\nand ü");
		if (!driver().storesResults()) {
			assertResultsUnsupported(succeeded);
			return;
		}
		driver().recordResult(succeeded, Duration.ofMinutes(5));
		driver().recordResult(failed, Duration.ofMinutes(5));

		assertThat(driver().result(succeeded.taskId())).contains(succeeded);
		assertThat(driver().result(failed.taskId())).contains(failed);
		withSecondInstance((second) -> {
			assertThat(second.result(succeeded.taskId())).as("another instance").contains(succeeded);
			assertThat(second.result(failed.taskId())).as("another instance").contains(failed);
		});
		assertThat(driver().result(UUID.randomUUID().toString())).as("unknown id").isEmpty();
	}

	@Test
	@DisplayName("results: a later record of the same task replaces the earlier one")
	void resultReplacedByLaterRecord() {
		TaskResult retrying = result(TaskResult.Outcome.RETRYING, null, "first attempt failed");
		if (!driver().storesResults()) {
			assertResultsUnsupported(retrying);
			return;
		}
		TaskResult succeeded = new TaskResult(retrying.taskId(), retrying.taskName(), retrying.queue(),
				TaskResult.Outcome.SUCCEEDED, 2, Instant.now(), Instant.now().plusMillis(5), "42", null, null);
		driver().recordResult(retrying, Duration.ofMinutes(5));
		assertThat(driver().result(retrying.taskId())).contains(retrying);

		driver().recordResult(succeeded, Duration.ofMinutes(5));
		assertThat(driver().result(retrying.taskId())).contains(succeeded);
		withSecondInstance((second) -> assertThat(second.result(retrying.taskId())).contains(succeeded));
	}

	@Test
	@DisplayName("results: a result is gone once its ttl passed")
	void resultGoneAfterTtl() {
		TaskResult result = result(TaskResult.Outcome.SUCCEEDED, "\"done\"", null);
		if (!driver().storesResults()) {
			assertResultsUnsupported(result);
			return;
		}
		Duration ttl = Duration.ofSeconds(1);
		long start = System.nanoTime();
		driver().recordResult(result, ttl);
		assertThat(driver().result(result.taskId())).isPresent();

		awaitAtMost(ttl.plusSeconds(10)).until(() -> driver().result(result.taskId()).isEmpty());
		assertThat(elapsedSince(start)).as("not gone before its ttl").isGreaterThanOrEqualTo(ttl.minus(timingTolerance()));
	}

	@Test
	@DisplayName("results: another namespace does not see them")
	void resultNotSeenByAnotherNamespace() {
		TaskResult result = result(TaskResult.Outcome.SUCCEEDED, "true", null);
		if (!driver().storesResults()) {
			assertResultsUnsupported(result);
			return;
		}
		driver().recordResult(result, Duration.ofMinutes(5));
		String otherNamespace = "tck-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		QueueDriver other = DriverFacade.of(createDriver(otherNamespace));
		try {
			assertThat(other.result(result.taskId())).isEmpty();
		}
		finally {
			try {
				cleanUp(other, otherNamespace, List.of());
			}
			finally {
				other.close();
			}
		}
		assertThat(driver().result(result.taskId())).isPresent();
	}

	/** A result of a new task id. */
	private static TaskResult result(TaskResult.Outcome outcome, String valueJson, String errorMessage) {
		Instant startedAt = Instant.now();
		return new TaskResult(UUID.randomUUID().toString(), "tck.result", "results", outcome, 1, startedAt,
				startedAt.plusMillis(12), valueJson, (errorMessage != null) ? RuntimeException.class.getName() : null,
				errorMessage);
	}

	private void assertResultsUnsupported(TaskResult result) {
		assertThatThrownBy(() -> driver().recordResult(result, Duration.ofMinutes(5)))
			.as("recordResult of a driver that does not store results")
			.isInstanceOf(UnsupportedOperationException.class);
		assertThatThrownBy(() -> driver().result(result.taskId())).as("result of a driver that does not store results")
			.isInstanceOf(UnsupportedOperationException.class);
	}

	// ------------------------------------------------------------------ worker heartbeats (beat*)

	@Test
	@DisplayName("a beat is listed, with every field, by another driver instance on the same namespace")
	void beatListedByAnotherInstance() {
		WorkerHeartbeat heartbeat = heartbeat("worker-a", 3);
		driver().beat(heartbeat, LONG_LEASE);

		assertThat(driver().workers()).containsExactly(heartbeat);
		withSecondInstance((other) -> assertThat(other.workers()).containsExactly(heartbeat));
	}

	@Test
	@DisplayName("a newer beat of a worker replaces its older one")
	void beatReplacesOlder() {
		driver().beat(heartbeat("worker-a", 1), LONG_LEASE);
		WorkerHeartbeat newer = heartbeat("worker-a", 7);
		withSecondInstance((other) -> other.beat(newer, LONG_LEASE));

		assertThat(driver().workers()).containsExactly(newer);
	}

	@Test
	@DisplayName("a heartbeat expires once its ttl passed without another beat")
	void beatExpiresAfterTtl() {
		WorkerHeartbeat lasting = heartbeat("worker-lasting", 0);
		WorkerHeartbeat expiring = heartbeat("worker-expiring", 0);
		driver().beat(lasting, LONG_LEASE);
		driver().beat(expiring, Duration.ofSeconds(1));
		assertThat(driver().workers()).containsExactly(expiring, lasting);

		awaitAtMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(driver().workers()).containsExactly(lasting));
	}

	@Test
	@DisplayName("removeWorker removes a heartbeat at once; removing an unknown worker does nothing")
	void beatRemovedAtOnce() {
		WorkerHeartbeat kept = heartbeat("worker-kept", 0);
		driver().beat(heartbeat("worker-gone", 0), LONG_LEASE);
		driver().beat(kept, LONG_LEASE);

		withSecondInstance((other) -> other.removeWorker("worker-gone"));
		assertThat(driver().workers()).containsExactly(kept);
		assertThatCode(() -> driver().removeWorker("worker-unknown")).doesNotThrowAnyException();
		assertThat(driver().workers()).containsExactly(kept);
	}

	@Test
	@DisplayName("several workers are listed in worker id order")
	void beatWorkersInIdOrder() {
		List<String> ids = List.of("worker-c", "worker-a", "worker-d", "worker-b");
		for (String id : ids) {
			driver().beat(heartbeat(id, 0), LONG_LEASE);
		}

		assertThat(driver().workers()).extracting(WorkerHeartbeat::workerId)
			.containsExactly("worker-a", "worker-b", "worker-c", "worker-d");
		assertThat(driver().workers()).isEqualTo(driver().workers());
	}

	@Test
	@DisplayName("another namespace does not see the workers of this one")
	void beatNotSeenByAnotherNamespace() {
		driver().beat(heartbeat("worker-a", 0), LONG_LEASE);
		String otherNamespace = namespace() + "x";
		QueueDriver other = DriverFacade.of(createDriver(otherNamespace));
		try {
			assertThat(other.workers()).isEmpty();
			other.beat(heartbeat("worker-b", 0), LONG_LEASE);
			assertThat(driver().workers()).extracting(WorkerHeartbeat::workerId).containsExactly("worker-a");
		}
		finally {
			try {
				cleanUp(other, otherNamespace, List.of());
			}
			finally {
				other.close();
			}
		}
	}

	@Test
	@DisplayName("no workers are listed before any beat, and a closed driver refuses heartbeats")
	void beatNoneThenClosed() {
		assertThat(driver().workers()).isEmpty();
		driver().close();
		assertThatThrownBy(() -> driver().beat(heartbeat("worker-a", 0), LONG_LEASE))
			.isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> driver().removeWorker("worker-a")).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> driver().workers()).isInstanceOf(IllegalStateException.class);
	}

	private WorkerHeartbeat heartbeat(String workerId, int busy) {
		Instant now = Instant.now();
		return new WorkerHeartbeat(workerId, "host-" + workerId, 4242, List.of("high", "default"), 8, busy,
				100 + busy, busy, now.minusSeconds(60), now, "1.2.3-test");
	}

	// ------------------------------------------------------------------ helpers

	/**
	 * Whether another instance of the driver built for the same namespace sees what this one stored, as another
	 * process of the cluster would: {@code true} for a driver on a shared backend (the default); an embedded
	 * driver whose backend is its own memory answers {@code false}, and its tests use the one instance.
	 */
	protected boolean sharesBackendBetweenInstances() {
		return true;
	}

	/** Runs {@code action} on a second instance of the driver for this test's namespace, closed after it. */
	private void withSecondInstance(java.util.function.Consumer<QueueDriver> action) {
		if (!sharesBackendBetweenInstances()) {
			action.accept(this.driver);
			return;
		}
		try (QueueDriver other = DriverFacade.of(createDriver(this.namespace))) {
			action.accept(other);
		}
	}

	/** A queue name unique to this test, recorded for {@link #cleanUp}. */
	protected final String queue(String label) {
		String name = label + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
		this.queuesUsed.add(QueueNames.validate(name));
		return name;
	}

	/** A new message for {@code queue} with a text body. */
	protected static TaskMessage message(String queue, String body) {
		return new TaskMessage(UUID.randomUUID().toString(), queue, body.getBytes(StandardCharsets.UTF_8),
				Instant.now());
	}

	private List<String> enqueue(String queue, int count) {
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			TaskMessage message = message(queue, "task-" + i);
			this.driver.enqueue(message, Duration.ZERO);
			ids.add(message.id());
		}
		return ids;
	}

	/** Dead-letters {@code count} new tasks of {@code queue} one after the other; returns their ids. */
	private List<String> deadLetter(String queue, int count) throws InterruptedException {
		return deadLetter(this.driver, queue, count);
	}

	/** {@link #deadLetter(String, int)} through {@code driver}. */
	private static List<String> deadLetter(QueueDriver driver, String queue, int count) throws InterruptedException {
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			TaskMessage message = message(queue, "dead-" + i);
			driver.enqueue(message, Duration.ZERO);
			Reservation reservation = single(driver.reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO));
			assertThat(reservation.id()).isEqualTo(message.id());
			assertThat(driver.deadLetter(reservation, DeadLetter.Failure.of("failed " + i))).isTrue();
			ids.add(message.id());
		}
		return ids;
	}

	private List<Reservation> reserveNow(String queue) throws InterruptedException {
		return this.driver.reserve(List.of(queue), 1, LONG_LEASE, Duration.ZERO);
	}

	/** Polls reserve (no wait) until it returns a task. */
	private Reservation awaitReservation(String queue, Duration lease) {
		AtomicReference<Reservation> reserved = new AtomicReference<>();
		awaitAtMost(shortLease().plus(shortDelay()).plusSeconds(10)).until(() -> {
			List<Reservation> batch = this.driver.reserve(List.of(queue), 1, lease, Duration.ZERO);
			if (batch.isEmpty()) {
				return false;
			}
			reserved.set(single(batch));
			return true;
		});
		return reserved.get();
	}

	private static <T> T single(List<T> list) {
		assertThat(list).hasSize(1);
		return list.get(0);
	}

	private static List<String> ids(List<?> items) {
		return items.stream().map((item) -> {
			if (item instanceof Reservation reservation) {
				return reservation.id();
			}
			return ((TaskMessage) item).id();
		}).toList();
	}

	private static List<String> deadLetterIds(List<DeadLetter> deadLetters) {
		return deadLetters.stream().map(DeadLetter::id).toList();
	}

	/** Every byte value, so a driver that treats bodies as text shows. */
	private static byte[] binaryBody() {
		byte[] body = new byte[256 + 4];
		for (int i = 0; i < 256; i++) {
			body[i] = (byte) i;
		}
		body[256] = (byte) 0xC3;
		body[257] = (byte) 0x28;
		body[258] = 0;
		body[259] = (byte) 0xFF;
		return body;
	}

	private static Duration elapsedSince(long startNanos) {
		return Duration.ofNanos(System.nanoTime() - startNanos);
	}

	private static ConditionFactory await() {
		return Awaitility.await().pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
	}

	private static ConditionFactory awaitAtMost(Duration atMost) {
		return await().atMost(atMost);
	}

	private static void shutdown(ExecutorService pool) throws InterruptedException {
		pool.shutdownNow();
		if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException("consumer threads did not stop");
		}
	}


	/** A task that runs until the test lets it finish. */
	public static class LongTask {

		final AtomicInteger runs = new AtomicInteger();

		final AtomicInteger finished = new AtomicInteger();

		private final CountDownLatch finish;

		LongTask(CountDownLatch finish) {
			this.finish = finish;
		}

		@Task(name = "tck.long")
		public void run() throws InterruptedException {
			this.runs.incrementAndGet();
			if (this.finish.await(60, TimeUnit.SECONDS)) {
				this.finished.incrementAndGet();
			}
		}

	}

	/** A stale reservation, the current one of the same task, and reservations of three other tasks. */
	record StaleAndHeld(Reservation stale, Reservation current, List<Reservation> held) {
	}

}
