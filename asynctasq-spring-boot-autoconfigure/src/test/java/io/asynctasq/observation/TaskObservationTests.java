package io.asynctasq.observation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqObservationAutoConfiguration;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.DriverOperation;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Observations of dispatches and executions on the memory driver, without a tracing bridge: what is observed
 * with which key values, which headers travel, and that nothing is observed or written without a registry.
 */
class TaskObservationTests {

	private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(AsyncTasqAutoConfiguration.class, AsyncTasqObservationAutoConfiguration.class))
		.withUserConfiguration(ObservedTasks.class)
		.withPropertyValues("asynctasq.worker.poll-interval=50ms", "asynctasq.observations.require-tracer=false");

	@Test
	void dispatchAndExecutionAreObservedAndTheHeadersTravel() {
		this.runner.withUserConfiguration(Registry.class).run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			Tasks tasks = context.getBean(Tasks.class);
			String id = context.getBean(TaskDispatcher.class).dispatch("observed.run", "a");
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
					.hasObservationWithNameEqualTo("asynctasq.execution")
					.that()
					.hasBeenStopped());
			TestObservationRegistryAssert.assertThat(registry)
				.hasObservationWithNameEqualTo("asynctasq.dispatch")
				.that()
				.hasBeenStopped()
				.hasContextualNameEqualTo("observed.run send")
				.hasLowCardinalityKeyValue("task", "observed.run")
				.hasLowCardinalityKeyValue("queue", "default")
				.hasLowCardinalityKeyValue("outcome", "enqueued")
				.hasHighCardinalityKeyValue("task.id", id)
				.doesNotHaveLowCardinalityKeyValueWithKey("task.id");
			TestObservationRegistryAssert.assertThat(registry)
				.hasObservationWithNameEqualTo("asynctasq.execution")
				.that()
				.hasContextualNameEqualTo("observed.run process")
				.hasLowCardinalityKeyValue("task", "observed.run")
				.hasLowCardinalityKeyValue("outcome", "success")
				.hasHighCardinalityKeyValue("task.id", id)
				.hasHighCardinalityKeyValue("attempt", "1");
			assertThat(context.getBean(HeaderWriter.class).received).containsEntry(id, TRACEPARENT);
			assertThat(tasks.mdc).containsEntry(id, Map.of("asynctasq.taskId", id, "asynctasq.task", "observed.run"));
		});
	}

	@Test
	void aFailedAttemptIsObservedAsAFailureWithItsError() {
		this.runner.withUserConfiguration(Registry.class).run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			context.getBean(TaskDispatcher.class).task("observed.fail").maxAttempts(1).dispatch();
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
					.hasObservationWithNameEqualTo("asynctasq.execution")
					.that()
					.hasBeenStopped()
					.hasLowCardinalityKeyValue("outcome", "failure")
					.hasError());
		});
	}

	@Test
	void anAttemptPastItsTimeoutIsObservedAsATimeout() {
		this.runner.withUserConfiguration(Registry.class).run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			context.getBean(TaskDispatcher.class).task("observed.slow").maxAttempts(1).dispatch();
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
					.hasObservationWithNameEqualTo("asynctasq.execution")
					.that()
					.hasBeenStopped()
					.hasLowCardinalityKeyValue("outcome", "timeout")
					.hasError());
		});
	}

	@Test
	void anOldEnvelopeWithoutHeadersStillRunsAndIsObserved() {
		this.runner.withUserConfiguration(Registry.class).run((context) -> {
			PayloadCodec codec = context.getBean(PayloadCodec.class);
			TaskEnvelope old = new TaskEnvelope("observed.run", codec.encodeArguments("observed.run", new Object[] { "b" }),
					Instant.now(), null, null, null, null);
			context.getBean(QueueDriver.class)
				.enqueue(new TaskMessage("old-1", "default", codec.encode(old), Instant.now()), Duration.ZERO);
			await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Tasks.class).mdc.containsKey("old-1"));
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
					.hasObservationWithNameEqualTo("asynctasq.execution")
					.that()
					.hasBeenStopped()
					.hasHighCardinalityKeyValue("task.id", "old-1"));
			assertThat(context.getBean(HeaderWriter.class).received).containsEntry("old-1", "none");
		});
	}

	@Test
	void withoutARegistryNothingIsObservedAndNoHeadersAreWritten() throws Exception {
		this.runner.withPropertyValues("asynctasq.worker.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(TaskObserver.class);
			assertThat(headersOfDispatched(context.getBean(TaskDispatcher.class), context.getBean(QueueDriver.class),
					context.getBean(PayloadCodec.class)))
				.isEmpty();
		});
	}

	@Test
	void withANoopRegistryOrWhenDisabledNothingIsObserved() {
		assertThat(ObservationTaskObserver.of(null)).isSameAs(TaskObserver.NONE);
		assertThat(ObservationTaskObserver.of(ObservationRegistry.NOOP)).isSameAs(TaskObserver.NONE);
		// a registry without handlers observes nothing and allocates no observation
		TaskObserver observer = new ObservationTaskObserver(ObservationRegistry.create());
		assertThat(observer.dispatchStarted("1", "t", "q")).isSameAs(TaskObserver.DispatchObservation.NONE);
		assertThat(observer.executionStarted("1", "t", "q", 1, Map.of()))
			.isSameAs(TaskObserver.ExecutionObservation.NONE);
		this.runner.withUserConfiguration(Registry.class)
			.withPropertyValues("asynctasq.observations.enabled=false", "asynctasq.worker.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TaskObserver.class);
				assertThat(headersOfDispatched(context.getBean(TaskDispatcher.class),
						context.getBean(QueueDriver.class), context.getBean(PayloadCodec.class)))
					.isEmpty();
				TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
					.doesNotHaveAnyObservation();
			});
	}

	@Test
	void withARegistryButNoTracingBridgeNothingIsObservedByDefault() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(AsyncTasqAutoConfiguration.class, AsyncTasqObservationAutoConfiguration.class))
			.withUserConfiguration(Registry.class)
			.withPropertyValues("asynctasq.worker.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TaskObserver.class);
				assertThat(headersOfDispatched(context.getBean(TaskDispatcher.class),
						context.getBean(QueueDriver.class), context.getBean(PayloadCodec.class)))
					.isEmpty();
				TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
					.doesNotHaveAnyObservation();
			});
	}

	@Test
	void aConventionOfTheApplicationReplacesTheDefault() {
		this.runner.withUserConfiguration(Registry.class)
			.withBean(TaskDispatchObservationConvention.class, () -> new DefaultTaskDispatchObservationConvention() {

				@Override
				public String getName() {
					return "custom.dispatch";
				}

			})
			.withPropertyValues("asynctasq.worker.enabled=false")
			.run((context) -> {
				context.getBean(TaskDispatcher.class).dispatch("observed.run", "c");
				TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
					.hasObservationWithNameEqualTo("custom.dispatch")
					.that()
					.hasLowCardinalityKeyValue("task", "observed.run");
			});
	}

	@Test
	void anObserverOfTheApplicationIsUsed() {
		this.runner.withUserConfiguration(Registry.class)
			.withBean("customObserver", TaskObserver.class, () -> TaskObserver.NONE)
			.withPropertyValues("asynctasq.worker.enabled=false")
			.run((context) -> {
				assertThat(context).hasSingleBean(TaskObserver.class).doesNotHaveBean(ObservationTaskObserver.class);
				context.getBean(TaskDispatcher.class).dispatch("observed.run", "c");
				TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
					.doesNotHaveAnyObservation();
			});
	}

	@Test
	void everyDispatchOfABatchIsObserved() {
		this.runner.withUserConfiguration(Registry.class)
			.withPropertyValues("asynctasq.worker.enabled=false")
			.run((context) -> {
				List<String> ids = context.getBean(TaskDispatcher.class)
					.task("observed.run")
					.dispatchAll(List.of(new Object[] { "1" }, new Object[] { "2" }));
				assertThat(context.getBean(HeaderWriter.class).stoppedDispatches)
					.map((dispatch) -> dispatch.getTaskId() + " " + dispatch.getOutcome())
					.containsExactlyInAnyOrder(ids.get(0) + " enqueued", ids.get(1) + " enqueued");
			});
	}

	@Test
	void theDriverCallOfADispatchStartsInTheDispatchsContextOnTheExecutor() {
		String prefix = "observation-" + UUID.randomUUID().toString().substring(0, 8);
		try {
			this.runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					AsyncTasqRedisAutoConfiguration.class))
				.withUserConfiguration(Registry.class, ContextRecordingRedis.class)
				.withPropertyValues("asynctasq.worker.enabled=false", "asynctasq.driver=redis",
						"asynctasq.redis.key-prefix=" + prefix, "spring.data.redis.host=127.0.0.1",
						"spring.data.redis.port=6379")
				.run((context) -> {
					List<String> measured = new CopyOnWriteArrayList<>();
					DriverFacade.of(context.getBean(QueueDriver.class)).listenToCalls((operation, nanos, error) -> {
						if (operation == DriverOperation.ENQUEUE && error == null) {
							measured.add(operation.name());
						}
					});
					TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
					String id = dispatcher.dispatch("observed.run", "a");
					String asyncId = dispatcher.dispatchAsync("observed.run", "b").join();
					// the blocking dispatch waits in enqueue; the asynchronous one starts enqueueAllAsync and
					// lets its thread go: both are called in their dispatch's observation, on the dispatch executor
					assertThat(context.getBean(ContextRecordingRedis.class).calls).containsExactly(
							"enqueue " + id + " on asynctasq-dispatch-",
							"enqueueAllAsync " + asyncId + " on asynctasq-dispatch-");
					assertThat(measured).as("both driver calls measured").hasSize(2);
				});
		}
		finally {
			RedisTestSupport.deleteKeys(prefix);
		}
	}

	/** The Redis driver, recording the dispatch current when each enqueue is called, and the thread's pool. */
	@Configuration(proxyBeanMethods = false)
	static class ContextRecordingRedis {

		final List<String> calls = new CopyOnWriteArrayList<>();

		@Bean
		QueueDriver contextRecordingRedisDriver(RedisConnectionFactory factory, ObservationRegistry registry,
				@Value("${asynctasq.redis.key-prefix}") String prefix) {
			return new RedisDriver(factory, prefix) {

				@Override
				public void enqueue(TaskMessage message, Duration delay) {
					record("enqueue");
					super.enqueue(message, delay);
				}

				@Override
				public CompletableFuture<Void> enqueueAllAsync(List<TaskMessage> messages, Duration delay) {
					record("enqueueAllAsync");
					return super.enqueueAllAsync(messages, delay);
				}

				private void record(String call) {
					Observation current = registry.getCurrentObservation();
					String thread = Thread.currentThread().getName();
					ContextRecordingRedis.this.calls.add(call + " "
							+ ((current != null) ? ((TaskDispatchContext) current.getContext()).getTaskId() : "none")
							+ " on " + (thread.startsWith("asynctasq-dispatch-") ? "asynctasq-dispatch-" : thread));
				}

			};
		}

	}

	private static Map<String, String> headersOfDispatched(TaskDispatcher dispatcher, QueueDriver driver,
			PayloadCodec codec) throws InterruptedException {
		dispatcher.dispatch("observed.run", "x");
		List<Reservation> reserved = driver.reserve(List.of("default"), 1, Duration.ofSeconds(30), Duration.ZERO);
		assertThat(reserved).hasSize(1);
		return codec.decodeTask(reserved.get(0).message().body(), (name) -> null).envelope().headers();
	}

	@Configuration(proxyBeanMethods = false)
	static class ObservedTasks {

		@Bean
		Tasks observedTasks() {
			return new Tasks();
		}

	}

	static class Tasks {

		final Map<String, Map<String, String>> mdc = new ConcurrentHashMap<>();

		@Task(name = "observed.run")
		public void run(String value) {
			this.mdc.put(MDC.get("asynctasq.taskId"), Map.copyOf(MDC.getCopyOfContextMap()));
		}

		@Task(name = "observed.slow", timeout = "100ms")
		public void slow() throws InterruptedException {
			// runs past its timeout until the worker interrupts it
			new CountDownLatch(1).await(10, TimeUnit.SECONDS);
		}

		@Task(name = "observed.fail")
		public void fail() {
			throw new IllegalStateException("fails on purpose");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Registry {

		@Bean
		HeaderWriter headerWriter() {
			return new HeaderWriter();
		}

		@Bean
		TestObservationRegistry testObservationRegistry(HeaderWriter writer) {
			TestObservationRegistry registry = TestObservationRegistry.create();
			registry.observationConfig().observationHandler(writer);
			return registry;
		}

	}

	/** Writes a trace header into every sender's carrier, records what each receiver's carrier held and the stopped dispatches. */
	static class HeaderWriter implements ObservationHandler<Observation.Context> {

		final Map<String, String> received = new ConcurrentHashMap<>();

		final List<TaskDispatchContext> stoppedDispatches = new CopyOnWriteArrayList<>();

		@Override
		public void onStop(Observation.Context context) {
			if (context instanceof TaskDispatchContext dispatch) {
				this.stoppedDispatches.add(dispatch);
			}
		}

		@Override
		@SuppressWarnings("unchecked")
		public void onStart(Observation.Context context) {
			if (context instanceof SenderContext<?> sender) {
				((SenderContext<Object>) sender).getSetter().set(sender.getCarrier(), "traceparent", TRACEPARENT);
			}
			else if (context instanceof TaskExecutionContext receiver) {
				String header = ((ReceiverContext<Map<String, String>>) receiver).getGetter()
					.get(receiver.getCarrier(), "traceparent");
				this.received.put(receiver.getTaskId(), (header != null) ? header : "none");
			}
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

	}

}
