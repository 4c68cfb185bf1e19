package io.asynctasq.driver.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL LISTEN/NOTIFY: a reserve blocked with a long wait in one driver (standing for a worker
 * process) returns soon after another driver (another process) enqueues. The waiting driver polls only
 * every 30 s, so only the notification can wake it that soon.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PostgresNotificationTests {

	private final String prefix = "ntf_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private JdbcDriver waiting;

	private JdbcDriver producer;

	private final ExecutorService pool = Executors.newSingleThreadExecutor();

	@BeforeEach
	void createDrivers() {
		JdbcSchema.create(TestDatabases.postgres(), JdbcDialect.POSTGRESQL, this.prefix);
		this.waiting = new JdbcDriver(TestDatabases.postgres(), JdbcDriverOptions.defaults()
			.withTablePrefix(this.prefix)
			.withPollBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30)));
		this.producer = new JdbcDriver(TestDatabases.postgres(),
				JdbcDriverOptions.defaults().withTablePrefix(this.prefix));
	}

	@AfterEach
	void closeDrivers() throws InterruptedException {
		this.pool.shutdownNow();
		this.pool.awaitTermination(10, TimeUnit.SECONDS);
		this.waiting.close();
		this.producer.close();
		JdbcSchema.drop(TestDatabases.postgres(), this.prefix);
	}

	@Test
	void enqueueInAnotherDriverWakesABlockedReserve() throws Exception {
		Future<List<Reservation>> reserved = this.pool
			.submit(() -> this.waiting.reserve(List.of("wake"), 1, Duration.ofSeconds(30), Duration.ofSeconds(50)));
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(this.waiting::isListening);
		Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !reserved.isDone());

		TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), "wake",
				"hello".getBytes(StandardCharsets.UTF_8), Instant.now());
		this.producer.enqueue(message, Duration.ZERO);

		Awaitility.await().atMost(Duration.ofSeconds(2)).until(reserved::isDone);
		assertThat(reserved.get()).extracting(Reservation::id).containsExactly(message.id());
	}

	@Test
	void listenerReconnectsAfterItsConnectionIsKilled() throws Exception {
		Future<List<Reservation>> first = this.pool
			.submit(() -> this.waiting.reserve(List.of("again"), 1, Duration.ofSeconds(30), Duration.ofSeconds(50)));
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(this.waiting::isListening);
		JdbcTemplate jdbc = new JdbcTemplate(TestDatabases.postgres());
		String listeners = "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN " + this.prefix + "tasks'";
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForList(listeners, Integer.class).size() == 1);
		Integer killed = jdbc.queryForObject(listeners, Integer.class);
		assertThat(jdbc.queryForObject("SELECT pg_terminate_backend(?)", Boolean.class, killed)).isTrue();

		Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
			List<Integer> pids = jdbc.queryForList(listeners, Integer.class);
			return pids.size() == 1 && !pids.get(0).equals(killed);
		});
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(this.waiting::isListening);

		TaskMessage message = new TaskMessage(UUID.randomUUID().toString(), "again",
				"hello".getBytes(StandardCharsets.UTF_8), Instant.now());
		this.producer.enqueue(message, Duration.ZERO);
		Awaitility.await().atMost(Duration.ofSeconds(2)).until(first::isDone);
		assertThat(first.get()).extracting(Reservation::id).containsExactly(message.id());
	}

}
