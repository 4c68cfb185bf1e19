package io.asynctasq.lifecycle;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request still in flight while the web server shuts down gracefully can dispatch: the worker
 * stopped before the graceful shutdown, but the dispatcher and driver close only after it.
 */
@ExtendWith(OutputCaptureExtension.class)
class GracefulShutdownDispatchTests {

	@Test
	void requestInFlightDuringGracefulShutdownDispatchesBeforeTheDriverCloses(CapturedOutput output)
			throws Exception {
		Probe probe = new Probe();
		Gate gate = new Gate(probe);
		ApplicationContextInitializer<ConfigurableApplicationContext> shared = (context) -> {
			context.getBeanFactory().registerSingleton("probe", probe);
			context.getBeanFactory().registerSingleton("gate", gate);
		};
		ConfigurableApplicationContext context = new SpringApplicationBuilder(WebApp.class)
			.web(WebApplicationType.SERVLET)
			.bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.initializers(shared)
			.properties("server.port=0", "server.shutdown=graceful", "asynctasq.worker.poll-interval=50ms",
					"spring.lifecycle.timeout-per-shutdown-phase=10s")
			.run();
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		CompletableFuture<HttpResponse<String>> response = client.sendAsync(
				HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/reports")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(gate.requestArrived.await(10, TimeUnit.SECONDS)).isTrue();

		Thread shutdownHook = new Thread(context::close, "test-shutdown-hook");
		shutdownHook.start();
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
			.until(() -> output.getOut().contains("Commencing graceful shutdown. Waiting for active requests"));
		assertThat(probe.timeline).containsExactly("worker offline");
		gate.mayDispatch.countDown();

		HttpResponse<String> result = response.get(10, TimeUnit.SECONDS);
		shutdownHook.join(TimeUnit.SECONDS.toMillis(20));
		assertThat(shutdownHook.isAlive()).isFalse();

		assertThat(result.statusCode()).isEqualTo(200);
		String taskId = result.body();
		assertThat(probe.timeline).containsSubsequence("worker offline", "dispatched " + taskId, "driver closed");
		// the worker was already offline: the task waits in its queue for the next start
		assertThat(probe.memory.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
		assertThat(probe.memory.reserve(List.of("default"), 1, Duration.ofSeconds(5), Duration.ZERO))
			.extracting(Reservation::id)
			.containsExactly(taskId);
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ LifecycleAutoConfiguration.class, TomcatServletWebServerAutoConfiguration.class,
			DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class, AsyncTasqAutoConfiguration.class })
	@Import(ReportController.class)
	static class WebApp {

		@Bean
		RecordingDriver queueDriver(Probe probe) {
			return new RecordingDriver(probe.memory, probe.timeline, false);
		}

		@Bean
		Probe.EventRecorder eventRecorder(Probe probe) {
			return new Probe.EventRecorder(probe);
		}

		@Bean
		ReportTasks reportTasks() {
			return new ReportTasks();
		}

	}

	static class Gate {

		final Probe probe;

		final CountDownLatch requestArrived = new CountDownLatch(1);

		final CountDownLatch mayDispatch = new CountDownLatch(1);

		Gate(Probe probe) {
			this.probe = probe;
		}

	}

	@RestController
	static class ReportController {

		private final TaskDispatcher dispatcher;

		private final Gate gate;

		ReportController(TaskDispatcher dispatcher, Gate gate) {
			this.dispatcher = dispatcher;
			this.gate = gate;
		}

		@GetMapping("/reports")
		String requestReport() throws InterruptedException {
			this.gate.requestArrived.countDown();
			if (!this.gate.mayDispatch.await(10, TimeUnit.SECONDS)) {
				throw new IllegalStateException("the test never let the request go on");
			}
			String id = this.dispatcher.dispatch("reports.build", "monthly");
			this.gate.probe.timeline.add("dispatched " + id);
			return id;
		}

	}

	static class ReportTasks {

		@Task(name = "reports.build")
		public void build(String kind) {
		}

	}

}
