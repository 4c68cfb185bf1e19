package io.asynctasq.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.worker.Worker;
import org.junit.jupiter.api.Test;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Stopping a context is not closing it: {@code stop()} pauses the worker, {@code start()} resumes it,
 * and the driver, dispatcher and executors are closed only when the context closes.
 */
class ContextStopStartTests {

	@Test
	void stoppedContextResumesProcessingWhenStartedAgain() {
		Probe probe = new Probe();
		Notes notes = new Notes();
		ConfigurableApplicationContext context = run(probe, notes);
		try {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			Worker worker = context.getBean(Worker.class);

			context.stop();

			assertThat(worker.isRunning()).isFalse();
			assertThat(probe.timeline).containsExactly("worker offline");
			// a stopped application may still dispatch; the task waits for the worker
			String whileStopped = dispatcher.dispatch("notes.write", "while stopped");
			assertThat(probe.memory.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));

			context.start();

			assertThat(worker.isRunning()).isTrue();
			String afterRestart = dispatcher.dispatch("notes.write", "after restart");
			await().atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(10))
				.until(() -> probe.completed.contains(whileStopped) && probe.completed.contains(afterRestart));
			assertThat(notes.written).containsExactlyInAnyOrder("while stopped", "after restart");
		}
		finally {
			context.close();
		}
		assertThat(probe.timeline).containsSubsequence("worker offline", "worker offline", "driver closed");
	}

	@Test
	void contextClosedAfterStopStillClosesEverything() {
		Probe probe = new Probe();
		ConfigurableApplicationContext context = run(probe, new Notes());
		TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);

		context.stop();
		context.close();

		assertThat(probe.timeline).containsSubsequence("worker offline", "driver closed");
		assertThatIllegalStateException().isThrownBy(() -> dispatcher.dispatch("notes.write", "too late"))
			.withMessageContaining("shut down");
	}

	private static ConfigurableApplicationContext run(Probe probe, Notes notes) {
		ApplicationContextInitializer<ConfigurableApplicationContext> shared = (context) -> {
			context.getBeanFactory().registerSingleton("probe", probe);
			context.getBeanFactory().registerSingleton("notes", notes);
		};
		return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.initializers(shared)
			.properties("asynctasq.worker.poll-interval=50ms")
			.run();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ LifecycleAutoConfiguration.class, AsyncTasqAutoConfiguration.class })
	static class App {

		@Bean
		RecordingDriver queueDriver(Probe probe) {
			return new RecordingDriver(probe.memory, probe.timeline, false);
		}

		@Bean
		Probe.EventRecorder eventRecorder(Probe probe) {
			return new Probe.EventRecorder(probe);
		}

		@Bean
		NoteTasks noteTasks(Notes notes) {
			return new NoteTasks(notes);
		}

	}

	static class Notes {

		final List<String> written = new CopyOnWriteArrayList<>();

	}

	static class NoteTasks {

		private final Notes notes;

		NoteTasks(Notes notes) {
			this.notes = notes;
		}

		@Task(name = "notes.write")
		public void write(String text) {
			this.notes.written.add(text);
		}

	}

}
