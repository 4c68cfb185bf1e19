package io.asynctasq.samples.webflux;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.dispatch.DispatchInterceptor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample on Reactor Netty with BlockHound installed: its endpoints, called over HTTP on the server's port,
 * dispatch from Netty threads without blocking them, and the worker runs the tasks. The memory driver here;
 * {@link WebfluxRedisApplicationTests} runs the same on Redis.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		classes = { WebfluxApplication.class, WebfluxApplicationTests.Probes.class })
class WebfluxApplicationTests {

	static {
		BlockHoundSupport.install();
	}

	@Autowired
	Environment environment;

	@Autowired
	Probes probes;

	@Autowired
	ReportTasks reports;

	WebTestClient http;

	@BeforeEach
	void client() {
		this.http = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.environment.getProperty("local.server.port"))
			.responseTimeout(Duration.ofSeconds(10))
			.build();
		BlockHoundSupport.clear();
		this.probes.dispatchingThreads.clear();
	}

	@Test
	void everyDispatchEndpointDispatchesFromANettyThreadWithoutBlockingAndTheWorkerRunsTheTasks() {
		String run = UUID.randomUUID().toString().substring(0, 8);
		List<String> single = List.of("a-" + run, "b-" + run, "c-" + run);
		List<String> batch = List.of("d-" + run, "e-" + run);
		// requests at once, so the Netty threads serve several dispatches together
		Flux.fromIterable(single)
			.flatMap((id) -> this.http.post()
				.uri("/reports/{id}", id)
				.exchange()
				.expectStatus()
				.isAccepted()
				.returnResult(Map.class)
				.getResponseBody()
				.single())
			.collectList()
			.block(Duration.ofSeconds(10))
			.forEach((body) -> assertThat(body.get("taskId")).isNotNull());
		Map<String, List<String>> batchIds = this.http.post()
			.uri("/reports")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(batch)
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(new ParameterizedTypeReference<Map<String, List<String>>>() {
			})
			.returnResult()
			.getResponseBody();
		assertThat(batchIds.get("taskIds")).hasSize(2);
		this.http.post()
			.uri("/users/{user}/notifications?message={message}&delayMillis=50", "ada-" + run, "hello")
			.exchange()
			.expectStatus()
			.isAccepted();

		List<String> all = List.of(single.get(0), single.get(1), single.get(2), batch.get(0), batch.get(1));
		await().atMost(Duration.ofSeconds(10))
			.until(() -> all.stream().allMatch((id) -> this.reports.location(id) != null));
		for (String id : all) {
			this.http.get()
				.uri("/reports/{id}", id)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.location")
				.isEqualTo("/files/" + id + ".pdf");
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.reports.notificationsOf("ada-" + run)).containsExactly("hello"));
		// the dispatches were subscribed (and intercepted) on the Netty server's threads (webflux-http-*), non-blocking ones
		assertThat(this.probes.dispatchingThreads).hasSize(6)
			.allSatisfy((thread) -> assertThat(thread).startsWith("webflux-http-").endsWith("non-blocking"));
		assertThat(BlockHoundSupport.detected()).isEmpty();
	}

	@Test
	void aRefusedDispatchIsABadRequestWithTheLibrarysMessage() {
		this.http.post()
			.uri("/users/{user}/notifications?message=hi&delayMillis=-5", "ada")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error")
			.value((String message) -> assertThat(message).contains("delay"));
		assertThat(BlockHoundSupport.detected()).isEmpty();
	}

	@Test
	void blockHoundCatchesABlockingCallOnANettyThread() {
		this.http.get().uri("/probe/park").exchange().expectStatus().is5xxServerError();
		assertThat(BlockHoundSupport.detected()).anySatisfy((call) -> assertThat(call).contains("park")
			.contains("webflux-http-"));
	}

	@Test
	void theBlockingDispatcherOnANettyThreadFailsNamingTheReactiveOne() {
		this.http.get()
			.uri("/probe/blocking-dispatch")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((message) -> assertThat(message).contains("non-blocking thread 'webflux-http-")
				.contains("ReactiveTaskDispatcher"));
		assertThat(BlockHoundSupport.detected()).isEmpty();
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Probes {

		final List<String> dispatchingThreads = new CopyOnWriteArrayList<>();

		/** Dispatch interceptors run on the subscribing thread: it records which one that was. */
		@Bean
		DispatchInterceptor threadRecorder() {
			return (dispatch) -> this.dispatchingThreads.add(Thread.currentThread().getName()
					+ (Schedulers.isInNonBlockingThread() ? " non-blocking" : " blocking"));
		}

		@Bean
		RouterFunction<ServerResponse> probeRoutes(TaskDispatcher blocking) {
			return RouterFunctions.route()
				.GET("/probe/park", (request) -> {
					LockSupport.parkNanos(1_000_000);
					return ServerResponse.ok().build();
				})
				.GET("/probe/blocking-dispatch", (request) -> {
					try {
						blocking.dispatch("notify-user", "ada", "blocked?");
						return ServerResponse.ok().bodyValue("dispatched");
					}
					catch (IllegalStateException ex) {
						return ServerResponse.ok().bodyValue(ex.getMessage());
					}
				})
				.build();
		}

	}

}
