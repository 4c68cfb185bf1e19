package io.asynctasq.observation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqObservationAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.exporter.FinishedSpan;
import io.micrometer.tracing.exporter.SpanReporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcObservationAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One trace from an HTTP request in one application to the task's run in another, sharing Redis: the server
 * span, the dispatch (producer) span and the execution (consumer) span, linked parent to child, with either
 * tracing bridge; the task's MDC carries the trace and task ids.
 */
class TracingTests {

	private final String prefix = "tracing-" + UUID.randomUUID().toString().substring(0, 8);

	private ConfigurableApplicationContext web;

	private ConfigurableApplicationContext worker;

	@AfterEach
	void close() {
		if (this.web != null) {
			this.web.close();
		}
		if (this.worker != null) {
			this.worker.close();
		}
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(null);
		try {
			RedisTestSupport.deleteKeys(factory, this.prefix);
		}
		finally {
			factory.destroy();
		}
	}

	@Nested
	class WithBrave {

		@Test
		void oneTraceRunsFromTheRequestThroughTheDispatchToTheTask() throws Exception {
			assertOneTrace(BraveBridge.class, "/dispatch");
		}

		@Test
		void dispatchAsyncKeepsTheCallersContext() throws Exception {
			assertOneTrace(BraveBridge.class, "/dispatch-async");
		}

		@Test
		void anOldEnvelopeWithoutHeadersStartsANewTrace() {
			assertNewTraceForOldEnvelope(BraveBridge.class);
		}

	}

	@Nested
	class WithOpenTelemetry {

		@Test
		void oneTraceRunsFromTheRequestThroughTheDispatchToTheTask() throws Exception {
			assertOneTrace(OpenTelemetryBridge.class, "/dispatch");
		}

		@Test
		void dispatchAsyncKeepsTheCallersContext() throws Exception {
			assertOneTrace(OpenTelemetryBridge.class, "/dispatch-async");
		}

		@Test
		void anOldEnvelopeWithoutHeadersStartsANewTrace() {
			assertNewTraceForOldEnvelope(OpenTelemetryBridge.class);
		}

	}

	private void assertOneTrace(Class<?> bridge, String path) throws Exception {
		this.worker = start(WebApplicationType.NONE, "tracing-worker", bridge, WorkerApp.class);
		this.web = start(WebApplicationType.SERVLET, "tracing-web", bridge, WebApp.class);
		int port = ((WebServerApplicationContext) this.web).getWebServer().getPort();
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path + "?value=hello"))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		String taskId = response.body();
		Spans webSpans = this.web.getBean(Spans.class);
		Spans workerSpans = this.worker.getBean(Spans.class);
		FinishedSpan execution = await().atMost(Duration.ofSeconds(20))
			.until(() -> workerSpans.find(Span.Kind.CONSUMER, "traced.work process"), Objects::nonNull);
		FinishedSpan dispatch = await().atMost(Duration.ofSeconds(20))
			.until(() -> webSpans.find(Span.Kind.PRODUCER, "traced.work send"), Objects::nonNull);
		FinishedSpan server = await().atMost(Duration.ofSeconds(20))
			.until(() -> webSpans.find(Span.Kind.SERVER, null), Objects::nonNull);
		assertThat(dispatch.getTraceId()).isEqualTo(server.getTraceId());
		assertThat(dispatch.getParentId()).isEqualTo(server.getSpanId());
		assertThat(execution.getTraceId()).isEqualTo(server.getTraceId());
		assertThat(execution.getParentId()).isEqualTo(dispatch.getSpanId());
		assertThat(dispatch.getTags()).containsEntry("task", "traced.work")
			.containsEntry("queue", "default")
			.containsEntry("outcome", "enqueued")
			.containsEntry("task.id", taskId);
		assertThat(execution.getTags()).containsEntry("task", "traced.work")
			.containsEntry("outcome", "success")
			.containsEntry("task.id", taskId);
		Map<String, String> mdc = this.worker.getBean(TracedTasks.class).mdc.get("hello");
		assertThat(mdc).containsEntry("traceId", server.getTraceId())
			.containsEntry("spanId", execution.getSpanId())
			.containsEntry("asynctasq.taskId", taskId)
			.containsEntry("asynctasq.task", "traced.work");
	}

	private void assertNewTraceForOldEnvelope(Class<?> bridge) {
		this.worker = start(WebApplicationType.NONE, "tracing-worker", bridge, WorkerApp.class);
		PayloadCodec codec = this.worker.getBean(PayloadCodec.class);
		TaskEnvelope old = new TaskEnvelope("traced.work",
				codec.encodeArguments("traced.work", new Object[] { "old" }), Instant.now(), null, null, null, null);
		this.worker.getBean(QueueDriver.class)
			.enqueue(new TaskMessage("old-envelope", "default", codec.encode(old), Instant.now()), Duration.ZERO);
		Spans spans = this.worker.getBean(Spans.class);
		FinishedSpan execution = await().atMost(Duration.ofSeconds(20))
			.until(() -> spans.find(Span.Kind.CONSUMER, "traced.work process"), Objects::nonNull);
		// a root span: no parent (OpenTelemetry reports the invalid span id)
		assertThat(execution.getParentId()).satisfiesAnyOf((parent) -> assertThat(parent).isNull(),
				(parent) -> assertThat(parent).matches("0+"));
		assertThat(execution.getTags()).containsEntry("outcome", "success").containsEntry("task.id", "old-envelope");
		assertThat(this.worker.getBean(TracedTasks.class).mdc.get("old")).containsEntry("traceId",
				execution.getTraceId());
	}

	private ConfigurableApplicationContext start(WebApplicationType type, String name, Class<?>... sources) {
		return new SpringApplicationBuilder(sources).web(type)
			.properties("spring.application.name=" + name, "server.port=0", "server.address=127.0.0.1",
					"spring.main.banner-mode=off", "management.tracing.sampling.probability=1.0",
					"management.opentelemetry.tracing.export.schedule-delay=50ms",
					"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379", "asynctasq.driver=redis",
					"asynctasq.redis.key-prefix=" + this.prefix, "asynctasq.worker.poll-interval=100ms",
					"asynctasq.worker.enabled=" + (type == WebApplicationType.NONE))
			.run();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ ObservationAutoConfiguration.class, MicrometerTracingAutoConfiguration.class,
			DataRedisAutoConfiguration.class, AsyncTasqRedisAutoConfiguration.class, AsyncTasqAutoConfiguration.class,
			AsyncTasqObservationAutoConfiguration.class })
	static class Common {

		@Bean
		Spans spans() {
			return new Spans();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(BraveAutoConfiguration.class)
	static class BraveBridge extends Common {

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ OpenTelemetrySdkAutoConfiguration.class, OpenTelemetryTracingAutoConfiguration.class })
	static class OpenTelemetryBridge extends Common {

	}

	/** The dispatching application: a controller that dispatches a task (it does not run it). */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
			WebMvcObservationAutoConfiguration.class })
	static class WebApp {

		@Bean
		DispatchController dispatchController(TaskDispatcher dispatcher) {
			return new DispatchController(dispatcher);
		}

	}

	@RestController
	static class DispatchController {

		private final TaskDispatcher dispatcher;

		DispatchController(TaskDispatcher dispatcher) {
			this.dispatcher = dispatcher;
		}

		@PostMapping("/dispatch")
		String dispatch(@RequestParam String value) {
			return this.dispatcher.dispatch("traced.work", value);
		}

		@PostMapping("/dispatch-async")
		String dispatchAsync(@RequestParam String value) {
			return this.dispatcher.dispatchAsync("traced.work", value).join();
		}

	}

	/** The worker's application: runs the task. */
	@Configuration(proxyBeanMethods = false)
	static class WorkerApp {

		@Bean
		TracedTasks tracedTasks() {
			return new TracedTasks();
		}

	}

	static class TracedTasks {

		final Map<String, Map<String, String>> mdc = new ConcurrentHashMap<>();

		@Task(name = "traced.work")
		public void work(String value) {
			Map<String, String> copy = MDC.getCopyOfContextMap();
			this.mdc.put(value, (copy != null) ? Map.copyOf(copy) : Map.of());
		}

	}

	/** The spans an application reported, in memory. */
	static class Spans implements SpanReporter {

		private final List<FinishedSpan> spans = new CopyOnWriteArrayList<>();

		@Override
		public void report(FinishedSpan span) {
			this.spans.add(span);
		}

		FinishedSpan find(Span.Kind kind, String name) {
			return this.spans.stream()
				.filter((span) -> span.getKind() == kind && (name == null || name.equals(span.getName())))
				.findFirst()
				.orElse(null);
		}

	}

}
