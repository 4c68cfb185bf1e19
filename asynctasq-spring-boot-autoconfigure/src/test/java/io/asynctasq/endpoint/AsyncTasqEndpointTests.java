package io.asynctasq.endpoint;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.nio.charset.StandardCharsets;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.inspection.TaskInspector;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The actuator endpoint {@code asynctasq} over HTTP in a web application on the memory driver: reads of the
 * overview, a queue, its dead letters (arguments masked) and a task's status; writes refused while disabled,
 * and working once enabled; not reachable until exposed; with Spring Security (on this test's classpath), reads
 * needing a user and writes one of the roles.
 */
class AsyncTasqEndpointTests {

	private static final JsonMapper json = JsonMapper.shared();

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@Test
	void readsTheQueuesTheirDeadLettersAndATaskAndRefusesWritesWhileDisabled() throws Exception {
		inApplication((app) -> {
			String id = app.dispatcher().dispatch("endpoint.fail", "s3cret-token");
			await().atMost(Duration.ofSeconds(10)).until(() -> app.counts().deadLettered() == 1);

			JsonNode overview = app.getJson("/actuator/asynctasq", 200);
			assertThat(overview.get("driver").asString()).isEqualTo("memory");
			JsonNode queue = overview.get("queues").get(0);
			assertThat(queue.get("name").asString()).isEqualTo("default");
			assertThat(queue.get("deadLettered").asLong()).isEqualTo(1);
			assertThat(app.getJson("/actuator/asynctasq/queues/default", 200).get("deadLettered").asLong()).isEqualTo(1);

			String page = app.get("/actuator/asynctasq/queues/default/dead-letters", 200);
			assertThat(page).doesNotContain("s3cret-token");
			JsonNode deadLetter = json.readTree(page).get("deadLetters").get(0);
			assertThat(deadLetter.get("id").asString()).isEqualTo(id);
			assertThat(deadLetter.get("task").asString()).isEqualTo("endpoint.fail");
			assertThat(deadLetter.get("arguments").asString()).isEqualTo("******");
			assertThat(deadLetter.get("attempts").asInt()).isEqualTo(1);
			assertThat(deadLetter.get("errorClass").asString()).isEqualTo(IllegalStateException.class.getName());
			assertThat(deadLetter.get("errorMessage").asString()).isEqualTo("always fails");
			assertThat(deadLetter.get("stackTrace").asString()).contains("EndpointTasks.fail");

			JsonNode status = app.getJson("/actuator/asynctasq/tasks/" + id, 200);
			assertThat(status.get("state").asString()).isEqualTo("DEAD_LETTERED");
			assertThat(status.get("task").asString()).isEqualTo("endpoint.fail");
			assertThat(status.get("errorClass").asString()).isEqualTo(IllegalStateException.class.getName());
			assertThat(app.getJson("/actuator/asynctasq/tasks/no-such-task", 200).get("state").asString())
				.isEqualTo("UNKNOWN");

			String path = "/actuator/asynctasq/queues/default/dead-letters/" + id;
			assertThat(app.send("POST", path, 403)).contains("asynctasq.endpoint.write-operations=true");
			assertThat(app.send("DELETE", path, 403)).contains("asynctasq.endpoint.write-operations=true");
			assertThat(app.send("POST", "/actuator/asynctasq/queues/default/dead-letters", 403)).isNotEmpty();
			assertThat(app.send("DELETE", "/actuator/asynctasq/queues/default/dead-letters", 403)).isNotEmpty();
			assertThat(app.counts().deadLettered()).isEqualTo(1);

			app.get("/actuator/asynctasq/elsewhere/default", 404);
			app.get("/actuator/asynctasq/queues/not%20a%20queue", 400);
			app.get("/actuator/asynctasq/queues/default/dead-letters?limit=0", 400);
		}, "management.endpoints.web.exposure.include=asynctasq");
	}

	@Test
	void writesRetryAndDeleteOneDeadLetterRetryAllAndPurgeOnceEnabled() throws Exception {
		inApplication((app) -> {
			String first = app.dispatcher().dispatch("endpoint.fail", "one");
			await().atMost(Duration.ofSeconds(10)).until(() -> app.counts().deadLettered() == 1);
			JsonNode deadLetter = app.getJson("/actuator/asynctasq/queues/default/dead-letters", 200)
				.get("deadLetters").get(0);
			assertThat(deadLetter.get("arguments").get(0).asString()).isEqualTo("one");

			String path = "/actuator/asynctasq/queues/default/dead-letters/" + first;
			assertThat(json.readTree(app.send("POST", path, 200)).get("retried").asBoolean()).isTrue();
			// it runs again, fails again, and is a dead letter again
			await().atMost(Duration.ofSeconds(10)).until(() -> app.tasks().runs == 2 && app.counts().deadLettered() == 1);
			assertThat(json.readTree(app.send("DELETE", path, 200)).get("deleted").asBoolean()).isTrue();
			assertThat(app.counts().deadLettered()).isZero();
			app.send("DELETE", path, 404);
			app.send("POST", path, 404);

			for (int i = 0; i < 3; i++) {
				app.dispatcher().dispatch("endpoint.fail", "again-" + i);
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> app.counts().deadLettered() == 3);
			JsonNode retried = json.readTree(app.send("POST", "/actuator/asynctasq/queues/default/dead-letters", 200));
			assertThat(retried.get("retried").asLong()).isEqualTo(3);
			await().atMost(Duration.ofSeconds(10)).until(() -> app.tasks().runs == 8 && app.counts().deadLettered() == 3);
			JsonNode purged = json.readTree(app.send("DELETE", "/actuator/asynctasq/queues/default/dead-letters", 200));
			assertThat(purged.get("deleted").asLong()).isEqualTo(3);
			assertThat(app.counts()).isEqualTo(new QueueCounts(0, 0, 0, 0));
		}, "management.endpoints.web.exposure.include=asynctasq", "asynctasq.endpoint.write-operations=true",
				"asynctasq.endpoint.show-arguments=always");
	}

	@Test
	void isNotReachableOverHttpUntilExposed() throws Exception {
		inApplication((app) -> {
			app.get("/actuator/asynctasq", 404);
			app.get("/actuator/health", 200);
			assertThat(app.context.getBeansOfType(AsyncTasqEndpoint.class)).isEmpty();
		});
	}

	@Test
	void withSpringSecurityReadsNeedAUserAndWritesOneOfTheRoles() throws Exception {
		inApplication((app) -> {
			app.dispatcher().dispatch("endpoint.fail", "hidden");
			await().atMost(Duration.ofSeconds(10)).until(() -> app.counts().deadLettered() == 1);
			String deadLetters = "/actuator/asynctasq/queues/default/dead-letters";
			app.sendAs(null, "GET", "/actuator/asynctasq", 401);
			app.sendAs(null, "DELETE", deadLetters, 401);
			// an operator reads, and sees no arguments (when-authorized needs one of the roles)
			JsonNode page = json.readTree(app.sendAs("operator", "GET", deadLetters, 200));
			assertThat(page.get("deadLetters").get(0).get("arguments").asString()).isEqualTo("******");
			assertThat(app.sendAs("operator", "DELETE", deadLetters, 403)).contains("ASYNCTASQ_ADMIN");
			assertThat(app.counts().deadLettered()).isEqualTo(1);
			page = json.readTree(app.sendAs("admin", "GET", deadLetters, 200));
			assertThat(page.get("deadLetters").get(0).get("arguments").get(0).asString()).isEqualTo("hidden");
			assertThat(json.readTree(app.sendAs("admin", "DELETE", deadLetters, 200)).get("deleted").asLong())
				.isEqualTo(1);
		}, "management.endpoints.web.exposure.include=asynctasq", "asynctasq.endpoint.write-operations=true",
				"asynctasq.endpoint.show-arguments=when-authorized");
	}

	@Test
	void withoutSpringSecurityWritesNeedNoRole() {
		QueueDriver driver = new MemoryDriver();
		try {
			TaskInspector inspector = new TaskInspector(driver, null, new PayloadCodec(), () -> List.of("default"));
			AsyncTasqEndpoint endpoint = new AsyncTasqEndpoint(inspector, true, Show.NEVER, Set.of("ASYNCTASQ_ADMIN"),
					false);
			assertThat(endpoint.purge("queues", "default", "dead-letters", SecurityContext.NONE).getStatus())
				.isEqualTo(200);
			AsyncTasqEndpoint secured = new AsyncTasqEndpoint(inspector, true, Show.NEVER, Set.of("ASYNCTASQ_ADMIN"),
					true);
			assertThat(secured.purge("queues", "default", "dead-letters", SecurityContext.NONE).getStatus())
				.isEqualTo(403);
			assertThat(secured.purge("queues", "default", "dead-letters", user("ASYNCTASQ_ADMIN")).getStatus())
				.isEqualTo(200);
		}
		finally {
			driver.close();
		}
	}

	private static SecurityContext user(String role) {
		return new SecurityContext() {

			@Override
			public Principal getPrincipal() {
				return () -> "someone";
			}

			@Override
			public boolean isUserInRole(String name) {
				return name.equals(role);
			}

		};
	}

	private void inApplication(ThrowingConsumer<App> test, String... properties) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(EndpointApplication.class)
			.web(WebApplicationType.SERVLET)
			.bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.properties("server.port=0", "asynctasq.worker.poll-interval=50ms",
					"asynctasq.task-defaults.max-attempts=1", "spring.jmx.enabled=false")
			.properties(properties)
			.run();
		try {
			test.accept(new App(context, this.http));
		}
		finally {
			context.close();
		}
	}

	interface ThrowingConsumer<T> {

		void accept(T value) throws Exception;

	}

	record App(ConfigurableApplicationContext context, HttpClient http) {

		TaskDispatcher dispatcher() {
			return this.context.getBean(TaskDispatcher.class);
		}

		EndpointTasks tasks() {
			return this.context.getBean(EndpointTasks.class);
		}

		QueueCounts counts() {
			return this.context.getBean(QueueDriver.class).counts("default");
		}

		JsonNode getJson(String path, int status) throws Exception {
			return json.readTree(get(path, status));
		}

		String get(String path, int status) throws Exception {
			return send("GET", path, status);
		}

		String send(String method, String path, int status) throws Exception {
			return sendAs("admin", method, path, status);
		}

		/** Sends a request as {@code user} (its password is its name), or anonymously when {@code null}. */
		String sendAs(String user, String method, String path, int status) throws Exception {
			int port = this.context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			// as Boot's documentation calls a write operation: POST with a JSON content type
			HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
				.header("Content-Type", "application/json")
				.method(method, HttpRequest.BodyPublishers.noBody());
			if (user != null) {
				builder.header("Authorization", "Basic " + Base64.getEncoder()
					.encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)));
			}
			HttpRequest request = builder.build();
			HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(status);
			return response.body();
		}

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class EndpointApplication {

		/** What an application with Spring Security writes for its actuator: HTTP Basic, no CSRF on it. */
		@Bean
		SecurityFilterChain securityFilterChain(HttpSecurity http) {
			return http.authorizeHttpRequests((requests) -> requests.anyRequest().authenticated())
				.httpBasic(Customizer.withDefaults())
				.csrf((csrf) -> csrf.ignoringRequestMatchers(EndpointRequest.toAnyEndpoint()))
				.build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("operator").password("{noop}operator").roles("OPERATOR").build(),
					User.withUsername("admin").password("{noop}admin").roles("ASYNCTASQ_ADMIN").build());
		}

		@Bean
		EndpointTasks endpointTasks() {
			return new EndpointTasks();
		}

	}

	static class EndpointTasks {

		volatile int runs;

		@Task(name = "endpoint.fail")
		void fail(String secret) {
			this.runs++;
			throw new IllegalStateException("always fails");
		}

	}

}
