package io.asynctasq.task;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.TaskHandler;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.events.TaskEvent;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/** The class-based form of a task: {@link TaskHandler} beans, their payload and their hooks. */
class TaskHandlerTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
		.withUserConfiguration(HandlerConfiguration.class)
		.withPropertyValues("asynctasq.worker.poll-interval=100ms", "asynctasq.task-defaults.retry-delay=10ms",
				"asynctasq.task-defaults.backoff=fixed", "asynctasq.task-defaults.jitter=0",
				"asynctasq.worker.queues=default,media");

	@Test
	void handlersAreRegisteredUnderTheirClassNameOrTheirTaskName() {
		this.runner.run((context) -> {
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			assertThat(registry.find("ResizeImage")).isPresent();
			assertThat(registry.find("media.transcode")).isPresent();
			assertThat(registry.find("Transcode")).isEmpty();
			TaskDefinition transcode = registry.find("media.transcode").orElseThrow();
			assertThat(transcode.options().queue()).isEqualTo("media");
			assertThat(transcode.options().maxAttempts()).isEqualTo(2);
			assertThat(registry.findByHandlerType(ResizeImage.class)).containsSame(registry.find("ResizeImage").get());
			TaskDefinition resize = registry.find("ResizeImage").orElseThrow();
			assertThat(resize.method()).isNull();
			assertThat(resize.parameters()).singleElement()
				.satisfies((parameter) -> assertThat(parameter.rawType()).isEqualTo(ResizeRequest.class));
		});
	}

	@Test
	void dispatchByClassDecodesThePayloadIntoItsDeclaredType() {
		this.runner.run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			ResizeRequest request = new ResizeRequest("cat.png", 640, 480, LocalDate.of(2024, 2, 29),
					List.of(new Crop(1, 2), new Crop(3, 4)));
			String id = dispatcher.dispatch(ResizeImage.class, request);
			ResizeImage handler = context.getBean(ResizeImage.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> handler.received.size() == 1);
			assertThat(handler.received).singleElement().isEqualTo(request);
			assertThat(handler.received.get(0).crops()).allSatisfy((crop) -> assertThat(crop).isInstanceOf(Crop.class));
			assertThat(handler.taskIds).containsExactly(id);
		});
	}

	@Test
	void dispatchByNameAndWithOptions() {
		this.runner.withPropertyValues("asynctasq.worker.enabled=false").run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			QueueDriver driver = context.getBean(QueueDriver.class);
			dispatcher.dispatch("ResizeImage", new ResizeRequest("a.png", 1, 1, null, List.of()));
			dispatcher.task(Transcode.class).delay(Duration.ofMinutes(1)).dispatch("movie.mkv");
			assertThat(driver.counts("default").ready()).isEqualTo(1);
			assertThat(driver.counts("media").delayed()).isEqualTo(1);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> dispatcher.dispatch("ResizeImage", "not a request"))
				.withMessageContaining("ResizeImage")
				.withMessageContaining("payload")
				.withMessageContaining(ResizeRequest.class.getName());
		});
	}

	@Test
	void shouldRetryFalseStopsRetryingAndFailedRunsOnceAfterDeadLettering() {
		this.runner.run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			QueueDriver driver = context.getBean(QueueDriver.class);
			FailureEvents events = context.getBean(FailureEvents.class);
			Transcode transcode = context.getBean(Transcode.class);

			String permanent = dispatcher.dispatch(Transcode.class, "corrupt.mkv");
			await().atMost(Duration.ofSeconds(5)).until(() -> transcode.failedCalls.get() == 1);
			// shouldRetry said no: one attempt although maxAttempts is 2
			assertThat(transcode.attempts).containsExactly("corrupt.mkv#1");
			assertThat(transcode.failedPayloads).containsExactly("corrupt.mkv");
			assertThat(transcode.deadLetteredWhenFailedRan).containsExactly(1L);
			assertThat(driver.deadLetters("media", 0, 10)).singleElement()
				.satisfies((dead) -> assertThat(dead.id()).isEqualTo(permanent))
				.extracting(DeadLetter::failure)
				.satisfies((failure) -> assertThat(failure.errorMessage()).isEqualTo("corrupt input"));
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(events.failed).singleElement().satisfies((failed) -> {
					assertThat(failed.taskId()).isEqualTo(permanent);
					assertThat(failed.taskName()).isEqualTo("media.transcode");
					assertThat(failed.attempts()).isEqualTo(1);
					assertThat(failed.error()).hasMessage("corrupt input");
				}));
			// and it stays at one
			await().during(Duration.ofMillis(300))
				.atMost(Duration.ofSeconds(2))
				.until(() -> transcode.failedCalls.get() == 1 && events.failed.size() == 1);
		});
	}

	@Test
	void retryableFailureUsesEveryAttemptBeforeFailedRuns() {
		this.runner.run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			Transcode transcode = context.getBean(Transcode.class);
			FailureEvents events = context.getBean(FailureEvents.class);
			dispatcher.dispatch(Transcode.class, "flaky.mkv");
			await().atMost(Duration.ofSeconds(5)).until(() -> transcode.failedCalls.get() == 1);
			assertThat(transcode.attempts).containsExactly("flaky.mkv#1", "flaky.mkv#2");
			await().atMost(Duration.ofSeconds(5)).until(() -> events.failed.size() == 1);
			assertThat(events.failed.get(0).attempts()).isEqualTo(2);
		});
	}

	// ---------------------------------------------------------------- beans

	record Crop(int x, int y) {
	}

	record ResizeRequest(String file, int width, int height, LocalDate takenOn, List<Crop> crops) {
	}

	static class ResizeImage implements TaskHandler<ResizeRequest> {

		final List<ResizeRequest> received = new CopyOnWriteArrayList<>();

		final List<String> taskIds = new CopyOnWriteArrayList<>();

		@Override
		public void execute(ResizeRequest payload, TaskContext context) {
			this.received.add(payload);
			this.taskIds.add(context.taskId());
		}

	}

	/** Fails "corrupt" files permanently (shouldRetry false) and others with a retryable error. */
	@Task(name = "media.transcode", queue = "media", maxAttempts = 2)
	static class Transcode implements TaskHandler<String> {

		private final QueueDriver driver;

		final List<String> attempts = new CopyOnWriteArrayList<>();

		final List<String> failedPayloads = new CopyOnWriteArrayList<>();

		final List<Long> deadLetteredWhenFailedRan = new CopyOnWriteArrayList<>();

		final AtomicInteger failedCalls = new AtomicInteger();

		Transcode(QueueDriver driver) {
			this.driver = driver;
		}

		@Override
		public void execute(String file, TaskContext context) {
			this.attempts.add(file + "#" + context.attempt());
			if (file.startsWith("corrupt")) {
				throw new CorruptInputException("corrupt input");
			}
			throw new IllegalStateException("encoder busy");
		}

		@Override
		public boolean shouldRetry(Throwable error, TaskContext context) {
			return !(error instanceof CorruptInputException);
		}

		@Override
		public void failed(String file, Throwable error, TaskContext context) {
			this.deadLetteredWhenFailedRan.add(this.driver.counts("media").deadLettered());
			this.failedPayloads.add(file);
			this.failedCalls.incrementAndGet();
		}

	}

	static class CorruptInputException extends RuntimeException {

		CorruptInputException(String message) {
			super(message);
		}

	}

	static class FailureEvents {

		final List<TaskEvent.Failed> failed = new CopyOnWriteArrayList<>();

		@EventListener
		void onFailed(TaskEvent.Failed event) {
			this.failed.add(event);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class HandlerConfiguration {

		@Bean
		ResizeImage resizeImage() {
			return new ResizeImage();
		}

		@Bean
		Transcode transcode(QueueDriver driver) {
			return new Transcode(driver);
		}

		@Bean
		FailureEvents failureEvents() {
			return new FailureEvents();
		}

	}

}
