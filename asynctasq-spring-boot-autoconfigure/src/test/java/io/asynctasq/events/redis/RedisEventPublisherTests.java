package io.asynctasq.events.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.events.WorkerEvent;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Lifecycle events published as JSON to a Redis channel. */
class RedisEventPublisherTests {

	@Test
	void eventsArePublishedAsJsonAfterTheDelegateGotThem() {
		String channel = "asynctasq:events:test-" + UUID.randomUUID().toString().substring(0, 8);
		LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory("asynctasq-events-test");
		List<String> received = new CopyOnWriteArrayList<>();
		List<AsyncTasqEvent> delegated = new CopyOnWriteArrayList<>();
		RedisConnection subscriber = connectionFactory.getConnection();
		try {
			subscriber.subscribe((message, pattern) -> received.add(new String(message.getBody(), StandardCharsets.UTF_8)),
					channel.getBytes(StandardCharsets.UTF_8));
			RedisEventPublisher publisher = new RedisEventPublisher(connectionFactory, channel, delegated::add);
			Instant at = Instant.parse("2026-01-02T03:04:05Z");
			TaskEvent.Completed completed = new TaskEvent.Completed("t-1", "send-email", "emails", 2,
					Duration.ofMillis(1500), "worker-1", at);
			TaskEvent.Failed failed = new TaskEvent.Failed("t-2", "send-email", "emails", 3, Duration.ofMillis(40),
					new IllegalStateException("boom"), at);

			// Pub/Sub drops what is published before the subscription is active: publish until one arrives
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				publisher.onEvent(new WorkerEvent.Online("worker-1", List.of("emails"), 4, at));
				return !received.isEmpty();
			});
			publisher.onEvent(completed);
			publisher.onEvent(failed);

			await().atMost(Duration.ofSeconds(5)).until(() -> taskMessages(received).size() == 2);
			List<String> taskMessages = taskMessages(received);
			assertThat(received.get(0)).startsWith("{\"type\":\"worker_online\",\"workerId\":\"worker-1\",\"queues\":[\"emails\"]");
			assertThat(taskMessages.get(0)).isEqualTo("{\"type\":\"task_completed\",\"taskId\":\"t-1\",\"taskName\":"
					+ "\"send-email\",\"queue\":\"emails\",\"attempt\":2,\"durationMillis\":1500,\"workerId\":\"worker-1\","
					+ "\"timestamp\":\"2026-01-02T03:04:05Z\"}");
			assertThat(taskMessages.get(1)).contains("\"type\":\"task_failed\"")
				.contains("\"error\":{\"class\":\"java.lang.IllegalStateException\",\"message\":\"boom\"}");
			assertThat(delegated).contains(completed, failed);
		}
		finally {
			subscriber.close();
			connectionFactory.destroy();
		}
	}

	private static List<String> taskMessages(List<String> received) {
		return received.stream().filter((message) -> message.startsWith("{\"type\":\"task_")).toList();
	}

}
