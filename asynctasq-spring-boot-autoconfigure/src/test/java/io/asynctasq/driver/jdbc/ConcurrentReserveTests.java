package io.asynctasq.driver.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many consumers on one queue (MariaDB answers concurrent SKIP LOCKED reservations with deadlocks for
 * some statement shapes, so it is the database that matters most here). Eight
 * consumers reserve batches of different sizes from one queue while two producers keep enqueueing; they
 * acknowledge most tasks, retry every tenth once and dead-letter another tenth. Every task must be handed
 * out once (twice when retried), none lost, and no exception (deadlock or other) may reach a consumer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ConcurrentReserveTests {

	private static final Logger logger = LoggerFactory.getLogger(ConcurrentReserveTests.class);

	private static final int CONSUMERS = 8;

	private static final int PRELOADED = 3000;

	private static final int PRODUCED = 1000;

	private final String prefix = "conc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private JdbcDriver driver;

	protected abstract javax.sql.DataSource dataSource();

	protected abstract JdbcDialect dialect();

	@BeforeEach
	void createTables() {
		JdbcSchema.create(dataSource(), dialect(), this.prefix);
		this.driver = new JdbcDriver(dataSource(), JdbcDriverOptions.defaults().withTablePrefix(this.prefix));
	}

	@AfterEach
	void dropTables() {
		this.driver.close();
		JdbcSchema.drop(dataSource(), this.prefix);
	}

	@Test
	void eightConsumersNeverShareOrLoseATask() throws Exception {
		String queue = "concurrent";
		List<TaskMessage> preloaded = messages(queue, "pre", PRELOADED);
		for (int i = 0; i < preloaded.size(); i += 500) {
			this.driver.enqueueAll(preloaded.subList(i, Math.min(i + 500, preloaded.size())), Duration.ZERO);
		}
		int total = PRELOADED + PRODUCED;
		Map<String, AtomicInteger> handedOut = new ConcurrentHashMap<>();
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		AtomicInteger acknowledged = new AtomicInteger();
		AtomicInteger retried = new AtomicInteger();
		AtomicInteger deadLettered = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(CONSUMERS + 2);
		long start = System.nanoTime();
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int p = 0; p < 2; p++) {
				List<TaskMessage> produced = messages(queue, "produced-" + p, PRODUCED / 2);
				workers.add(pool.submit(() -> {
					for (TaskMessage message : produced) {
						this.driver.enqueue(message, Duration.ZERO);
					}
					return null;
				}));
			}
			for (int c = 0; c < CONSUMERS; c++) {
				int batch = 1 + (c % 4) * 3; // 1, 4, 7, 10: several statement sizes at once
				workers.add(pool.submit(() -> {
					try {
						while (acknowledged.get() < total) {
							List<Reservation> reserved = this.driver.reserve(List.of(queue), batch,
									Duration.ofSeconds(60), Duration.ofMillis(200));
							for (Reservation reservation : reserved) {
								handedOut.computeIfAbsent(reservation.id(), (id) -> new AtomicInteger())
									.incrementAndGet();
								int outcome = Math.floorMod(reservation.id().hashCode(), 10);
								boolean done;
								if (outcome == 0 && reservation.attempt() == 1) {
									// every tenth task fails once: retried at once, so it is handed out again
									done = this.driver.retry(reservation, Duration.ZERO);
									retried.incrementAndGet();
								}
								else if (outcome == 1) {
									done = this.driver.deadLetter(reservation, DeadLetter.Failure.of("failed"));
									if (done) {
										acknowledged.incrementAndGet();
										deadLettered.incrementAndGet();
									}
								}
								else {
									done = this.driver.acknowledge(reservation);
									if (done) {
										acknowledged.incrementAndGet();
									}
								}
								if (!done) {
									errors.add(new IllegalStateException("lease lost: " + reservation));
								}
							}
						}
					}
					catch (Throwable ex) {
						errors.add(ex);
						throw ex;
					}
					return null;
				}));
			}
			Awaitility.await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofMillis(100))
				.until(() -> workers.stream().allMatch(Future::isDone) || !errors.isEmpty());
		}
		finally {
			pool.shutdownNow();
			pool.awaitTermination(10, TimeUnit.SECONDS);
		}
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		logger.info("{}: {} tasks ({} retried once, {} dead-lettered) reserved and settled by {} consumers in {} ms "
				+ "({} lock conflicts retried)", dialect(), total, retried.get(), deadLettered.get(), CONSUMERS, elapsed.toMillis(),
				this.driver.lockConflictRetries());

		assertThat(errors).as("exceptions seen by consumers").isEmpty();
		assertThat(handedOut).hasSize(total);
		assertThat(handedOut.entrySet().stream()
			.filter((e) -> e.getValue().get() != ((Math.floorMod(e.getKey().hashCode(), 10) == 0) ? 2 : 1))
			.map(Map.Entry::getKey)).as("tasks handed out more often than their retries explain").isEmpty();
		assertThat(acknowledged.get()).isEqualTo(total);
		assertThat(retried.get()).isPositive();
		assertThat(this.driver.counts(queue)).isEqualTo(new QueueCounts(0, 0, 0, deadLettered.get()));
	}

	private static List<TaskMessage> messages(String queue, String label, int count) {
		List<TaskMessage> messages = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			messages.add(new TaskMessage(UUID.randomUUID().toString(), queue,
					(label + "-" + i).getBytes(StandardCharsets.UTF_8), Instant.now()));
		}
		return messages;
	}

}
