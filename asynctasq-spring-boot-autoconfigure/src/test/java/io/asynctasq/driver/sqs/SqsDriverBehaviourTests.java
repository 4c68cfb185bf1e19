package io.asynctasq.driver.sqs;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/** What only the SQS driver has to get right: delays past SQS's cap, the message size limit, FIFO names. */
class SqsDriverBehaviourTests {

	private static ElasticMqServer server;

	private static SqsAsyncClient client;

	private final String prefix = "sqs-" + UUID.randomUUID().toString().substring(0, 8) + "-";

	@BeforeAll
	static void startServer() {
		server = ElasticMqServer.start();
		client = server.client();
	}

	@AfterAll
	static void stopServer() {
		client.close();
		server.close();
	}

	@AfterEach
	void deleteQueues() {
		server.deleteQueues(this.prefix);
	}

	@Test
	void aDelayPastTheSqsCapIsSentAgainUntilDueNeverEarlyAndCountsNoAttempt() throws Exception {
		// the cap made small (1 s instead of 15 min): a 3.5 s delay is sent again three times
		try (QueueDriver driver = DriverFacade.of(new SqsDriver(client, false, this.prefix, true,
				SqsDriver.DEFAULT_MAX_MESSAGE_SIZE, Duration.ofSeconds(1), SqsDriver.DEFAULT_CALL_TIMEOUT))) {
			TaskMessage message = message("long-delay", "later");
			long start = System.nanoTime();
			driver.enqueue(message, Duration.ofMillis(3500));

			Reservation reservation = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
				.until(() -> driver.reserve(List.of("long-delay"), 1, Duration.ofSeconds(30), Duration.ofMillis(200)),
						(reserved) -> !reserved.isEmpty())
				.get(0);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("reserved before its delay")
				.isGreaterThanOrEqualTo(Duration.ofMillis(3500));
			assertThat(reservation.id()).isEqualTo(message.id());
			assertThat(reservation.attempt()).as("the copies sent again count no attempt").isEqualTo(1);
			assertThat(reservation.message().body()).isEqualTo(message.body());
			assertThat(driver.acknowledge(reservation)).isTrue();
		}
	}

	@Test
	void renewalsStopAtTheCapOnOneReceiveAndTheTaskIsThenReceivedAgain() throws Exception {
		// the 12-hour cap made 4 s: renewals hold the task until then, then it is another consumer's
		SqsDriver sqs = new SqsDriver(client, this.prefix).withMaxVisibility(Duration.ofSeconds(4));
		try (QueueDriver driver = DriverFacade.of(sqs)) {
			driver.enqueue(message("capped", "long"), Duration.ZERO);
			Reservation reservation = driver.reserve(List.of("capped"), 1, Duration.ofSeconds(2), Duration.ZERO).get(0);
			long start = System.nanoTime();
			await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
				.until(() -> !driver.extendLease(reservation, Duration.ofSeconds(2)));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("renewed until the cap")
				.isGreaterThanOrEqualTo(Duration.ofMillis(2500));

			Reservation again = await().atMost(Duration.ofSeconds(15))
				.until(() -> driver.reserve(List.of("capped"), 1, Duration.ofSeconds(30), Duration.ofMillis(200)),
						(reserved) -> !reserved.isEmpty())
				.get(0);
			assertThat(again.id()).isEqualTo(reservation.id());
			assertThat(again.attempt()).isEqualTo(2);
			assertThat(driver.acknowledge(reservation)).as("the capped reservation").isFalse();
			assertThat(driver.acknowledge(again)).isTrue();
		}
	}

	@Test
	void leasesAreExtendedTenReceiptsACallAndACappedOneIsLetGo() throws Exception {
		List<String> calls = new CopyOnWriteArrayList<>();
		SqsDriver sqs = new SqsDriver(counting(calls), this.prefix).withMaxVisibility(Duration.ofSeconds(40));
		try (QueueDriver driver = DriverFacade.of(sqs)) {
			List<TaskMessage> messages = new ArrayList<>();
			for (int i = 0; i < 12; i++) {
				messages.add(message("renewed", "task-" + i));
			}
			driver.enqueueAll(messages, Duration.ZERO);
			List<Reservation> held = new ArrayList<>();
			await().atMost(Duration.ofSeconds(15)).until(() -> {
				held.addAll(driver.reserve(List.of("renewed"), 12 - held.size(), Duration.ofSeconds(30),
						Duration.ofMillis(200)));
				return held.size() == 12;
			});
			calls.clear();

			assertThat(driver.extendLeases(held, Duration.ofSeconds(30))).hasSize(12).containsOnly(true);
			assertThat(calls).as("one batch call per ten receipts").containsExactly("changeMessageVisibilityBatch",
					"changeMessageVisibilityBatch");
			assertThat(driver.counts("renewed").inFlight()).isEqualTo(12);

			// 30 s more would pass the (shortened) 40 s cap on one receive: extended to the cap, not beyond
			assertThat(driver.extendLeases(held.subList(0, 2), Duration.ofSeconds(60))).containsExactly(true, true);
			assertThat(driver.acknowledgeAll(held)).containsOnly(true);
		}
	}

	@Test
	void aTaskALongPollHeldForSecondsIsHiddenForItsWholeLeaseAgainInOneBatchCall() throws Exception {
		List<String> calls = new CopyOnWriteArrayList<>();
		try (QueueDriver driver = DriverFacade.of(new SqsDriver(counting(calls), this.prefix))) {
			driver.counts("polled"); // the queue exists
			Duration lease = Duration.ofSeconds(30);
			CompletableFuture<List<Reservation>> waiting = CompletableFuture.supplyAsync(() -> {
				try {
					return driver.reserve(List.of("polled"), 10, lease, Duration.ofSeconds(10));
				}
				catch (InterruptedException ex) {
					throw new IllegalStateException(ex);
				}
			});
			await().atMost(Duration.ofSeconds(5)).until(() -> calls.contains("receiveMessage"));
			// the long poll has waited two seconds when the tasks arrive: its receive hid them for 2 s too little
			await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
			calls.clear();
			driver.enqueueAll(List.of(message("polled", "a"), message("polled", "b")), Duration.ZERO);
			List<Reservation> reserved = new ArrayList<>(waiting.get(15, TimeUnit.SECONDS));
			await().atMost(Duration.ofSeconds(5)).until(() -> {
				reserved.addAll(driver.reserve(List.of("polled"), 10, lease, Duration.ZERO));
				return reserved.size() == 2;
			});

			assertThat(calls.stream().filter((call) -> call.startsWith("changeMessageVisibility")).toList())
				.as("the visibility of both made whole in one call").containsExactly("changeMessageVisibilityBatch");
			assertThat(reserved).allSatisfy((reservation) -> assertThat(reservation.leaseDeadline())
				.isAfter(Instant.now().plus(lease).minusSeconds(3)));
			assertThat(driver.acknowledgeAll(reserved)).containsOnly(true);
		}
	}

	/** The test server's client, telling {@code calls} the name of every method called on it. */
	private static SqsAsyncClient counting(List<String> calls) {
		return (SqsAsyncClient) Proxy.newProxyInstance(SqsAsyncClient.class.getClassLoader(),
				new Class<?>[] { SqsAsyncClient.class }, (proxy, method, args) -> {
					calls.add(method.getName());
					try {
						return method.invoke(client, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	@Test
	void aTaskOverTheMessageSizeLimitFailsAtEnqueueNamingTheLimitAndNothingIsSent() {
		try (QueueDriver driver = DriverFacade.of(new SqsDriver(client, this.prefix))) {
			TaskMessage fits = message("big", "small");
			TaskMessage tooBig = new TaskMessage(UUID.randomUUID().toString(), "big",
					"x".repeat(SqsDriver.DEFAULT_MAX_MESSAGE_SIZE).getBytes(StandardCharsets.UTF_8), Instant.now());
			assertThatIllegalArgumentException().isThrownBy(() -> driver.enqueueAll(List.of(fits, tooBig), Duration.ZERO))
				.withMessageContaining(tooBig.id())
				.withMessageContaining("SQS limit of 262144 bytes")
				.withMessageContaining("asynctasq.sqs.max-message-size");
			assertThat(driver.counts("big").ready()).as("nothing of the batch was sent").isZero();
		}
	}

	@Test
	void aFifoQueueIsRefusedWithTheReason() {
		try (QueueDriver driver = DriverFacade.of(new SqsDriver(client, this.prefix))) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> driver.enqueue(message("orders.fifo", "x"), Duration.ZERO))
				.withMessageContaining("FIFO queues take no per-message delay");
		}
	}

	private static TaskMessage message(String queue, String body) {
		return new TaskMessage(UUID.randomUUID().toString(), queue, body.getBytes(StandardCharsets.UTF_8), Instant.now());
	}

}
