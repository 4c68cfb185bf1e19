package io.asynctasq.samples.redisweb;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sample against the Redis server at 127.0.0.1:6379, on a key prefix of its own. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RedisWebApplicationTests {

	static final String PREFIX = "sample-test-" + UUID.randomUUID().toString().substring(0, 8);

	@DynamicPropertySource
	static void keyPrefix(DynamicPropertyRegistry registry) {
		registry.add("asynctasq.redis.key-prefix", () -> PREFIX);
	}

	private final HttpClient http = HttpClient.newHttpClient();

	@Autowired
	Environment environment;

	@Autowired
	RedisConnectionFactory connectionFactory;

	@AfterEach
	void deleteKeys() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			List<byte[]> keys = new ArrayList<>();
			try (Cursor<byte[]> cursor = connection.keyCommands()
				.scan(ScanOptions.scanOptions().match(PREFIX + ":*").count(1000).build())) {
				cursor.forEachRemaining(keys::add);
			}
			if (!keys.isEmpty()) {
				connection.keyCommands().del(keys.toArray(new byte[0][]));
			}
		}
	}

	@Test
	void postingAnOrderDispatchesATaskTheWorkerRuns() throws Exception {
		String orderId = "order-" + UUID.randomUUID().toString().substring(0, 8);

		HttpResponse<String> accepted = send(HttpRequest.newBuilder(url("/orders/" + orderId + "/process"))
			.POST(HttpRequest.BodyPublishers.noBody()));
		assertThat(accepted.statusCode()).isEqualTo(202);
		assertThat(accepted.body()).contains(orderId).contains("taskId");

		await().atMost(Duration.ofSeconds(10))
			.until(() -> send(HttpRequest.newBuilder(url("/orders/" + orderId)).GET()).statusCode() == 200);

		// what became of the task, and the worker that ran it, through the actuator endpoint
		java.util.regex.Matcher taskId = java.util.regex.Pattern.compile("\"taskId\":\"([^\"]+)\"")
			.matcher(accepted.body());
		assertThat(taskId.find()).isTrue();
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(send(HttpRequest.newBuilder(url("/actuator/asynctasq/tasks/" + taskId.group(1)))
				.GET()).body()).contains("\"state\":\"SUCCEEDED\"").contains("\"task\":\"process-order\""));
		assertThat(send(HttpRequest.newBuilder(url("/actuator/asynctasq")).GET()).body()).contains("\"driver\":\"redis\"")
			.contains("\"queues\":[\"orders\"]");

		HttpResponse<String> health = send(HttpRequest.newBuilder(url("/actuator/health")).GET());
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).contains("\"asynctasq\"").contains("\"driver\":\"redis\"")
			.contains("\"orders\"");

		// the task's meters, scraped as Prometheus text
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			HttpResponse<String> scrape = send(HttpRequest.newBuilder(url("/actuator/prometheus")).GET());
			assertThat(scrape.statusCode()).isEqualTo(200);
			assertThat(scrape.body())
				.containsPattern("(?m)^asynctasq_tasks_execution_seconds_count\\{[^}]*outcome=\"success\"[^}]*"
						+ "task=\"process-order\"[^}]*\\} 1(\\.0)?$")
				.containsPattern("(?m)^asynctasq_tasks_dispatched_total\\{[^}]*queue=\"orders\"[^}]*\\} 1(\\.0)?$")
				.contains("asynctasq_tasks_wait_seconds_count")
				.containsPattern("(?m)^asynctasq_worker_concurrency(\\{[^}]*\\})? 4(\\.0)?$")
				.containsPattern("asynctasq_driver_calls_seconds_count\\{driver=\"redis\",operation=\"reserve\"");
		});
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		return this.http.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private URI url(String path) {
		return URI.create("http://127.0.0.1:" + this.environment.getProperty("local.server.port") + path);
	}

}
