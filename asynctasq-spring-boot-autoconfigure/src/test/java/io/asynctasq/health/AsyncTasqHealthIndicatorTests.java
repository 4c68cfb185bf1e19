package io.asynctasq.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqHealthAutoConfiguration;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.memory.MemoryDriver;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class AsyncTasqHealthIndicatorTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class,
				AsyncTasqHealthAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.enabled=false");

	@Test
	void upWithTheDriverAndPerQueueCounts() {
		this.runner.withPropertyValues("asynctasq.worker.queues=critical,default").run((context) -> {
			assertThat(context).hasSingleBean(AsyncTasqHealthIndicator.class).hasBean("asynctasqHealthIndicator");
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			QueueDriver driver = context.getBean(QueueDriver.class);
			dispatcher.dispatch("Reports.generate", 1);
			dispatcher.dispatch("Reports.generate", 2);
			dispatcher.dispatch("Reports.generate", 3);
			dispatcher.task("Reports.generate").onQueue("critical").dispatch(4);
			dispatcher.task("Reports.generate").delay(Duration.ofMinutes(5)).dispatch(5);
			// one reserved and left in flight, one reserved and dead-lettered
			List<Reservation> reserved = driver.reserve(List.of("default"), 2, Duration.ofMinutes(1), Duration.ZERO);
			assertThat(reserved).hasSize(2);
			driver.deadLetter(reserved.get(1), DeadLetter.Failure.of("failed"));

			HealthIndicator indicator = context.getBean("asynctasqHealthIndicator", HealthIndicator.class);

			// the counts come from a snapshot taken in the background
			Health health = awaitCounts(indicator);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("driver", "memory").containsKey("countsAt")
				.doesNotContainKey("worker");
			assertThat(health.getDetails().get("queues")).isEqualTo(Map.of(
					"critical", counts(1, 0, 0, 0),
					"default", counts(1, 1, 1, 1)));
		});
	}

	@Test
	void defaultQueueIsReportedWhenNoQueueIsConfigured() {
		this.runner.withPropertyValues("asynctasq.default-queue=main").run((context) -> {
			context.getBean(TaskDispatcher.class).dispatch("Any.task");
			Health health = awaitCounts(context.getBean(AsyncTasqHealthIndicator.class));
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails().get("queues")).isEqualTo(Map.of("main", counts(1, 0, 0, 0)));
		});
	}

	@Test
	void downWithTheCauseWhenTheDriverDoesNotAnswer() {
		this.runner.withUserConfiguration(UnreachableDriverConfiguration.class).run((context) -> {
			Health health = context.getBean("asynctasqHealthIndicator", HealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("driver", "memory").doesNotContainKey("queues");
			assertThat(String.valueOf(health.getDetails().get("error")))
				.contains(DriverException.class.getName())
				.contains("connection refused");
		});
	}

	@Test
	@SuppressWarnings("unchecked")
	void withAWorkerTheDetailsShowItsStateAndServedQueuesAndStoppingItIsOutOfService() {
		this.runner.withPropertyValues("asynctasq.worker.enabled=true", "asynctasq.worker.poll-interval=50ms",
				"asynctasq.health.counts-refresh=0s").run((context) -> {
			HealthIndicator indicator = context.getBean("asynctasqHealthIndicator", HealthIndicator.class);
			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).doesNotContainKey("queues");
			Map<String, Object> worker = (Map<String, Object>) health.getDetails().get("worker");
			assertThat(worker).containsEntry("state", "running").containsEntry("queues", List.of("default"));

			context.getBean(io.asynctasq.worker.Worker.class).stop();
			assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		});
	}

	@Test
	void backsOffWhenDisabled() {
		this.runner.withPropertyValues("management.health.asynctasq.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(AsyncTasqHealthIndicator.class)
				.doesNotHaveBean("asynctasqHealthIndicator"));
	}

	@Test
	void backsOffWithoutSpringBootHealth() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(QueueDriver.class)
				.doesNotHaveBean("asynctasqHealthIndicator"));
	}

	@Test
	void backsOffWhenTheApplicationDefinesItsOwn() {
		this.runner.withUserConfiguration(OwnIndicatorConfiguration.class).run((context) -> {
			assertThat(context).doesNotHaveBean(AsyncTasqHealthIndicator.class);
			assertThat(context.getBean("asynctasqHealthIndicator", HealthIndicator.class).health().getStatus())
				.isEqualTo(Status.UNKNOWN);
		});
	}

	private static Health awaitCounts(HealthIndicator indicator) {
		AtomicReference<Health> last = new AtomicReference<>();
		Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
			last.set(indicator.health());
			return last.get().getDetails().containsKey("queues");
		});
		return last.get();
	}

	private static Map<String, Long> counts(long ready, long delayed, long inFlight, long deadLettered) {
		return Map.of("ready", ready, "delayed", delayed, "inFlight", inFlight, "deadLettered", deadLettered);
	}

	@Configuration(proxyBeanMethods = false)
	static class UnreachableDriverConfiguration {

		@Bean
		QueueDriver unreachableDriver() {
			return new MemoryDriver() {

				@Override
				public void ping() {
					throw new DriverException("connection refused");
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnIndicatorConfiguration {

		@Bean
		HealthIndicator asynctasqHealthIndicator() {
			return () -> Health.unknown().build();
		}

	}

}
