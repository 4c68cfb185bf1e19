package io.asynctasq.metrics;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqMetricsAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.inspection.QueueCountsSnapshot;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * AsyncTasQ's meters in a Spring application with Micrometer: after a success, a retry, a dead letter and a
 * timeout, with their tags, on the memory driver and on Redis; gauges of queues and the worker; driver calls.
 */
class AsyncTasqMetricsTests {

	private static final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				DataRedisAutoConfiguration.class, AsyncTasqRedisAutoConfiguration.class,
				AsyncTasqAutoConfiguration.class, AsyncTasqMetricsAutoConfiguration.class))
		.withUserConfiguration(MeteredTasks.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379",
				"asynctasq.worker.poll-interval=50ms", "asynctasq.task-defaults.max-attempts=2",
				"asynctasq.task-defaults.retry-delay=50ms", "asynctasq.task-defaults.jitter=0",
				"asynctasq.metrics.queue-counts-refresh=100ms");

	@Nested
	class OnTheMemoryDriver {

		@Test
		void tasksQueuesWorkerAndDriverCallsAreMetered() {
			runner.run((context) -> assertMetered(context.getBean(TaskDispatcher.class),
					context.getBean(MeterRegistry.class), "memory"));
		}

	}

	@Nested
	class OnRedis {

		@Test
		void tasksQueuesWorkerAndDriverCallsAreMetered() {
			String prefix = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
			try {
				runner.withPropertyValues("asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + prefix)
					.run((context) -> assertMetered(context.getBean(TaskDispatcher.class),
							context.getBean(MeterRegistry.class), "redis"));
			}
			finally {
				RedisTestSupport.deleteKeys(prefix);
			}
		}

	}

	@Test
	void noMetersWithoutAMeterRegistryOrWhenDisabled() {
		new ApplicationContextRunner().withConfiguration(
				AutoConfigurations.of(AsyncTasqAutoConfiguration.class, AsyncTasqMetricsAutoConfiguration.class))
			.withPropertyValues("asynctasq.worker.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(AsyncTasqMetrics.class));
		runner.withPropertyValues("asynctasq.metrics.enabled=false", "asynctasq.worker.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(AsyncTasqMetrics.class)
				.hasSingleBean(MeterRegistry.class));
	}

	@Test
	void anAttemptStoppedByShutdownIsMeteredAsReleased() throws Exception {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		MemoryDriver driver = new MemoryDriver();
		TaskRegistry tasks = new TaskRegistry();
		BlockingTask blocking = new BlockingTask();
		new AnnotatedTasks(null).registerTasksOf(blocking, tasks);
		AsyncTasqMetrics metrics = new AsyncTasqMetrics(registry, driver.name(), null, java.util.List::of, () -> null);
		AsyncTasqEventListener events = AsyncTasqEventListener.withRecorders(AsyncTasqEventListener.NONE,
				java.util.List.of(metrics));
		PayloadCodec codec = new PayloadCodec();
		Worker worker = new Worker(driver, tasks, codec, new WorkerSettings(java.util.List.of("default"), 2, 0,
				Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMinutes(1), ExecutorMode.AUTO,
				TaskOptions.DEFAULTS), events);
		DefaultTaskDispatcher dispatcher = new DefaultTaskDispatcher(driver, tasks, codec, "default", Runnable::run,
				events);
		try {
			worker.start();
			dispatcher.dispatch("metrics.blocking");
			assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();
			worker.stop();
			assertThat(execution(registry, "metrics.blocking", "released").count()).isEqualTo(1);
			assertThat(driver.counts("default").ready()).isEqualTo(1);
		}
		finally {
			worker.close();
			dispatcher.close();
			driver.close();
		}
	}

	private static void assertMetered(TaskDispatcher dispatcher, MeterRegistry registry, String driver) {
		dispatcher.dispatch("metrics.ok");
		dispatcher.dispatch("metrics.ok");
		dispatcher.dispatch("metrics.flaky");
		dispatcher.dispatch("metrics.failing");
		dispatcher.dispatch("metrics.slow");
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			assertThat(execution(registry, "metrics.ok", "success").count()).isEqualTo(2);
			assertThat(execution(registry, "metrics.flaky", "retry").count()).isEqualTo(1);
			assertThat(execution(registry, "metrics.flaky", "success").count()).isEqualTo(1);
			assertThat(execution(registry, "metrics.failing", "retry").count()).isEqualTo(1);
			assertThat(execution(registry, "metrics.failing", "dead_letter").count()).isEqualTo(1);
			assertThat(execution(registry, "metrics.slow", "timeout").count()).isEqualTo(2);
		});
		assertThat(registry.get(AsyncTasqMetrics.TASKS_DISPATCHED).tags("task", "metrics.ok", "queue", "default")
			.counter()
			.count()).isEqualTo(2);
		assertThat(registry.get(AsyncTasqMetrics.TASKS_DISPATCHED).tags("task", "metrics.failing").counter().count())
			.isEqualTo(1);
		Timer waited = registry.get(AsyncTasqMetrics.TASKS_WAIT).tags("task", "metrics.flaky", "queue", "default")
			.timer();
		assertThat(waited.count()).isEqualTo(2);
		// the retry waited out its delay of 50 ms before its second start
		assertThat(waited.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
		assertThat(registry.find(AsyncTasqMetrics.TASKS_EXECUTION).tag("task", "metrics.ok").timers())
			.singleElement()
			.satisfies((timer) -> assertThat(timer.getId().getTag("outcome")).isEqualTo("success"));
		// both dead letters and nothing else, as the background snapshot counted them
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(registry.get(AsyncTasqMetrics.QUEUE_TASKS).tags("queue", "default", "state", "dead_lettered")
				.gauge()
				.value()).isEqualTo(2);
			assertThat(registry.get(AsyncTasqMetrics.QUEUE_TASKS).tags("queue", "default", "state", "ready")
				.gauge()
				.value()).isZero();
		});
		assertThat(registry.get(AsyncTasqMetrics.WORKER_CONCURRENCY).gauge().value()).isEqualTo(10);
		assertThat(registry.get(AsyncTasqMetrics.WORKER_BUSY).gauge().value()).isZero();
		assertThat(registry.get(AsyncTasqMetrics.WORKER_PREFETCHED).gauge().value()).isZero();
		assertThat(registry.get(AsyncTasqMetrics.DRIVER_CALLS)
			.tags("driver", driver, "operation", "dead_letter", "outcome", "success")
			.timer()
			.count()).isEqualTo(2);
		assertThat(registry.get(AsyncTasqMetrics.DRIVER_CALLS)
			.tags("driver", driver, "operation", "reserve", "outcome", "success")
			.timer()
			.count()).isPositive();
		assertThat(registry.find(AsyncTasqMetrics.DRIVER_CALLS).tag("outcome", "error").timers()).isEmpty();
		assertThat(registry.getMeters()).allSatisfy((meter) -> assertThat(meter.getId().getTags())
			.noneSatisfy((tag) -> assertThat(tag.getKey()).containsIgnoringCase("id")));
	}

	private static Timer execution(MeterRegistry registry, String task, String outcome) {
		Timer timer = registry.find(AsyncTasqMetrics.TASKS_EXECUTION)
			.tags("task", task, "queue", "default", "outcome", outcome)
			.timer();
		return (timer != null) ? timer : registry.timer("absent." + UUID.randomUUID());
	}

	@Configuration(proxyBeanMethods = false)
	static class MeteredTasks {

		@Bean
		Tasks metricsTasks() {
			return new Tasks();
		}

	}

	static class Tasks {

		private final AtomicInteger flakyCalls = new AtomicInteger();

		@Task(name = "metrics.ok")
		public void ok() {
		}

		@Task(name = "metrics.flaky")
		public void flaky() {
			if (this.flakyCalls.incrementAndGet() == 1) {
				throw new IllegalStateException("first attempt fails on purpose");
			}
		}

		@Task(name = "metrics.failing")
		public void failing() {
			throw new IllegalStateException("failing on purpose");
		}

		@Task(name = "metrics.slow", timeout = "100ms")
		public void slow() throws InterruptedException {
			// runs past its timeout until the worker interrupts it
			new CountDownLatch(1).await(10, TimeUnit.SECONDS);
		}

	}

	static class BlockingTask {

		final CountDownLatch started = new CountDownLatch(1);

		@Task(name = "metrics.blocking")
		public void block() throws InterruptedException {
			this.started.countDown();
			new CountDownLatch(1).await();
		}

	}

}
