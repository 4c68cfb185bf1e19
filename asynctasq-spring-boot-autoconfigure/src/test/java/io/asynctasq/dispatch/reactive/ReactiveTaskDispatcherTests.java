package io.asynctasq.dispatch.reactive;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;


import com.zaxxer.hikari.HikariDataSource;
import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskHandler;
import io.asynctasq.TaskMethod;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.jdbc.JdbcDriverOptions;
import io.asynctasq.driver.jdbc.JdbcSchema;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ReactiveTaskDispatcher}: every dispatch form subscribed on a Reactor parallel (non-blocking) thread, with
 * the memory, Redis and PostgreSQL drivers; laziness, cancellation and errors.
 */
class ReactiveTaskDispatcherTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final List<AsyncTasqRuntime> runtimes = new ArrayList<>();

	private final List<AsyncTasqEvent> events = new CopyOnWriteArrayList<>();

	@AfterEach
	void close() {
		this.runtimes.forEach(AsyncTasqRuntime::close);
	}

	private AsyncTasqRuntime runtime(QueueDriver driver) {
		AsyncTasqRuntime runtime = AsyncTasq.builder()
			.driver(driver)
			.tasks(new Mail(), new Charge())
			.worker(false)
			.listener(this.events::add)
			.build();
		this.runtimes.add(runtime);
		return runtime;
	}

	/**
	 * Dispatches with every form, each subscribed on a parallel thread (where a blocking dispatch is refused), and
	 * checks the ids and the tasks the driver holds.
	 */
	private void dispatchesEveryFormFromAParallelThread(AsyncTasqRuntime runtime) {
		ReactiveTaskDispatcher reactive = runtime.reactiveDispatcher();
		QueueDriver driver = runtime.driver();
		List<String> threads = new CopyOnWriteArrayList<>();
		List<Mono<?>> dispatches = List.of(reactive.dispatch("Mail.send", "a@b.c", 1),
				reactive.dispatch(Mail::send, "a@b.c", 2),
				reactive.dispatch(Mail::ping),
				reactive.task("Mail.send").onQueue("bulk").maxAttempts(2).delay(Duration.ofMinutes(5))
					.dispatch("a@b.c", 3),
				reactive.taskOf((TaskMethod.Of2<Mail, String, Integer>) Mail::send).onQueue("bulk").dispatch("a@b.c", 4),
				reactive.dispatch(Charge.class, new ChargeRequest("order-1", 1999)),
				reactive.task(Charge.class).onQueue("payments").dispatch(new ChargeRequest("order-2", 5)),
				reactive.dispatchAll("Mail.send", List.<Object[]>of(new Object[] { "x@b.c", 5 }, new Object[] { "y@b.c", 6 })),
				reactive.task("Mail.send").onQueue("bulk").dispatchAll(List.<Object[]>of(new Object[] { "z@b.c", 7 })));
		List<Object> ids = new ArrayList<>();
		for (Mono<?> dispatch : dispatches) {
			ids.add(dispatch.doOnSubscribe((subscription) -> threads.add(Thread.currentThread().getName()))
				.subscribeOn(Schedulers.parallel())
				.block(WAIT));
		}
		assertThat(threads).hasSize(dispatches.size()).allSatisfy((name) -> assertThat(name).startsWith("parallel-"));
		assertThat(ids).allSatisfy((id) -> assertThat(id).isNotNull());
		assertThat((List<?>) ids.get(7)).hasSize(2);
		assertThat((List<?>) ids.get(8)).hasSize(1);
		assertThat(driver.counts("default").ready()).isEqualTo(6);
		assertThat(driver.counts("bulk").ready() + driver.counts("bulk").delayed()).isEqualTo(3);
		assertThat(driver.counts("bulk").delayed()).isEqualTo(1);
		assertThat(driver.counts("payments").ready()).isEqualTo(1);
		Awaitility.await()
			.atMost(WAIT)
			.untilAsserted(() -> assertThat(this.events).filteredOn(TaskEvent.Enqueued.class::isInstance).hasSize(10));
	}

	@Test
	void everyFormDispatchesFromAParallelThreadWithTheMemoryDriver() {
		dispatchesEveryFormFromAParallelThread(runtime(new MemoryDriver()));
	}

	@Test
	void nothingIsSentBeforeSubscriptionAndEachSubscriptionDispatchesOnce() {
		AsyncTasqRuntime runtime = runtime(new MemoryDriver());
		Mono<String> dispatch = runtime.reactiveDispatcher().dispatch(Mail::send, "a@b.c", 1);
		Mono<String> broken = runtime.reactiveDispatcher().dispatch("Mail.send", "a@b.c", "not a number");
		assertThat(runtime.driver().counts("default").ready()).isZero();
		assertThat(this.events).isEmpty();
		assertThat(broken).isNotNull();

		String first = dispatch.block(WAIT);
		assertThat(runtime.driver().counts("default").ready()).isEqualTo(1);
		String second = dispatch.block(WAIT);
		assertThat(second).isNotEqualTo(first);
		assertThat(runtime.driver().counts("default").ready()).isEqualTo(2);
	}

	@Test
	void mistakesFailTheMonoWithTheMessageOfTheBlockingDispatch() {
		AsyncTasqRuntime runtime = runtime(new MemoryDriver());
		ReactiveTaskDispatcher reactive = runtime.reactiveDispatcher();
		expectSameFailure(() -> runtime.dispatcher().dispatch("Mail.send", "a@b.c", "urgent"),
				reactive.dispatch("Mail.send", "a@b.c", "urgent"), "parameter 2 'priority' (int)");
		expectSameFailure(() -> runtime.dispatcher().dispatch("Mail.send", "a@b.c"),
				reactive.dispatch("Mail.send", "a@b.c"), "takes 2 argument(s)");
		expectSameFailure(() -> runtime.dispatcher().dispatch(Unregistered::run),
				reactive.dispatch(Unregistered::run), "Unregistered.run is not a registered task");
		expectSameFailure(() -> runtime.dispatcher().task("Mail.send").maxAttempts(0).dispatch("a@b.c", 1),
				reactive.task("Mail.send").maxAttempts(0).dispatch("a@b.c", 1), "maxAttempts counts the first attempt");
		expectSameFailure(() -> runtime.dispatcher().task(" ").dispatch(), reactive.task(" ").dispatch(),
				"Task name must not be empty");
		expectSameFailure(
				() -> runtime.dispatcher().task("Mail.send").dispatchAll(
						List.<Object[]>of(new Object[] { "a@b.c", 1 }, new Object[] { "a@b.c", "x" })),
				reactive.dispatchAll("Mail.send", List.<Object[]>of(new Object[] { "a@b.c", 1 }, new Object[] { "a@b.c", "x" })),
				"parameter 2 'priority' (int)");
		assertThat(runtime.driver().counts("default").ready()).isZero();

		runtime.close();
		StepVerifier.create(reactive.dispatch(Mail::ping).subscribeOn(Schedulers.parallel()))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("AsyncTasQ is shut down: task 'Mail.ping' was not dispatched"))
			.verify(WAIT);
	}

	private static void expectSameFailure(Runnable blocking, Mono<?> reactive, String fragment) {
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		try {
			blocking.run();
		}
		catch (RuntimeException ex) {
			thrown.set(ex);
		}
		assertThat(thrown.get()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(fragment);
		StepVerifier.create(reactive.subscribeOn(Schedulers.parallel()))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalArgumentException.class)
				.hasMessage(thrown.get().getMessage()))
			.verify(WAIT);
	}

	/** The dispatch executor runs nothing until the test says so, so a dispatch can be cancelled before its call. */
	@Test
	void aDispatchCancelledBeforeItsDriverCallStartedIsNotSent() {
		Queue<Runnable> held = new ConcurrentLinkedQueue<>();
		MemoryDriver driver = new MemoryDriver();
		TaskRegistry registry = new TaskRegistry();
		new AnnotatedTasks(null).registerTasksOf(new Mail(), registry);
		DefaultTaskDispatcher dispatcher = new DefaultTaskDispatcher(driver, registry, new PayloadCodec(), "default",
				held::add, this.events::add);
		ReactiveTaskDispatcher reactive = new ReactiveTaskDispatcher(dispatcher);
		List<String> emitted = new CopyOnWriteArrayList<>();

		Disposable cancelled = reactive.dispatch(Mail::send, "a@b.c", 1)
			.subscribeOn(Schedulers.parallel())
			.subscribe(emitted::add);
		Disposable kept = reactive.dispatchAll("Mail.send", List.<Object[]>of(new Object[] { "b@b.c", 2 }))
			.subscribeOn(Schedulers.parallel())
			.subscribe((ids) -> emitted.addAll(ids));
		Awaitility.await().atMost(WAIT).until(() -> held.size() == 2);
		cancelled.dispose();
		held.forEach(Runnable::run);

		Awaitility.await().atMost(WAIT).until(() -> emitted.size() == 1);
		assertThat(kept.isDisposed()).isTrue();
		assertThat(driver.counts("default").ready()).isEqualTo(1);
		assertThat(this.events).singleElement()
			.isInstanceOfSatisfying(TaskEvent.Enqueued.class,
					(enqueued) -> assertThat(enqueued.taskId()).isEqualTo(emitted.get(0)));
		dispatcher.close();
	}

	@Nested
	class Redis {

		private final String prefix = "reactive-" + UUID.randomUUID();

		private final LettuceConnectionFactory factory = RedisTestSupport.connectionFactory("asynctasq-reactive-test");

		private final LettuceConnectionFactory admin = RedisTestSupport.connectionFactory(null);

		@AfterEach
		void cleanUp() {
			unpause();
			RedisTestSupport.deleteKeys(this.admin, this.prefix);
			this.admin.destroy();
			this.factory.destroy();
		}

		private AsyncTasqRuntime runtime() {
			return ReactiveTaskDispatcherTests.this.runtime(new RedisDriver(this.factory, this.prefix));
		}

		@Test
		void everyFormDispatchesFromAParallelThread() {
			dispatchesEveryFormFromAParallelThread(runtime());
		}

		/**
		 * While Redis holds writes, the one thread of a non-blocking scheduler that subscribed the dispatch is free;
		 * the id arrives once Redis answers.
		 */
		@Test
		void theSubscribingThreadStaysFreeWhileRedisDoesNotAnswer() throws Exception {
			AsyncTasqRuntime runtime = runtime();
			runtime.reactiveDispatcher().dispatch(Mail::ping).block(WAIT); // connected, scripts loaded
			Scheduler loop = Schedulers.newParallel("loop", 1);
			try {
				pause(Duration.ofSeconds(3));
				long start = System.nanoTime();
				List<String> ids = new CopyOnWriteArrayList<>();
				runtime.reactiveDispatcher().dispatch(Mail::send, "a@b.c", 1).subscribeOn(loop).subscribe(ids::add);
				CountDownLatch probe = new CountDownLatch(1);
				loop.schedule(probe::countDown);
				assertThat(probe.await(1, TimeUnit.SECONDS)).as("the loop thread is free").isTrue();
				assertThat(ids).isEmpty();
				long probeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
				assertThat(probeMillis).isLessThan(1000);
				unpause();
				Awaitility.await().atMost(WAIT).until(() -> ids.size() == 1);
				assertThat(runtime.driver().counts("default").ready()).isEqualTo(2);
			}
			finally {
				loop.dispose();
			}
		}

		/** Cancelled while Redis holds its write: nothing is emitted; the task still lands, as its event says. */
		@Test
		void aDispatchCancelledInFlightEmitsNothing() {
			AsyncTasqRuntime runtime = runtime();
			runtime.reactiveDispatcher().dispatch(Mail::ping).block(WAIT);
			pause(Duration.ofSeconds(3));
			List<Object> signals = new CopyOnWriteArrayList<>();
			Disposable subscription = runtime.reactiveDispatcher()
				.dispatch(Mail::send, "a@b.c", 1)
				.subscribeOn(Schedulers.parallel())
				.subscribe(signals::add, signals::add, () -> signals.add("complete"));
			// Lettuce sent the enqueue, which Redis holds
			Awaitility.await().atMost(WAIT).until(this::enqueueHeldByRedis);
			subscription.dispose();
			unpause();
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> runtime.driver().counts("default").ready() == 2
						&& ReactiveTaskDispatcherTests.this.events.size() == 2);
			assertThat(signals).isEmpty();
		}

		private boolean enqueueHeldByRedis() {
			try (RedisConnection connection = this.admin.getConnection()) {
				return connection.serverCommands()
					.getClientList()
					.stream()
					.anyMatch((client) -> "asynctasq-reactive-test".equals(client.getName())
							&& client.get("flags").contains("b"));
			}
		}

		private void pause(Duration duration) {
			try (RedisConnection connection = this.admin.getConnection()) {
				connection.execute("CLIENT", "PAUSE".getBytes(), String.valueOf(duration.toMillis()).getBytes(),
						"WRITE".getBytes());
			}
		}

		private void unpause() {
			try (RedisConnection connection = this.admin.getConnection()) {
				connection.execute("CLIENT", "UNPAUSE".getBytes());
			}
		}

	}

	@Nested
	class Postgres {

		private final String prefix = "reactive_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

		private final HikariDataSource dataSource = new HikariDataSource();

		Postgres() {
			this.dataSource.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
			this.dataSource.setUsername("postgres");
			this.dataSource.setMaximumPoolSize(4);
			JdbcSchema.create(this.dataSource, JdbcDialect.POSTGRESQL, this.prefix);
		}

		@AfterEach
		void cleanUp() {
			JdbcSchema.drop(this.dataSource, this.prefix);
			this.dataSource.close();
		}

		private AsyncTasqRuntime runtime() {
			return ReactiveTaskDispatcherTests.this.runtime(
					new JdbcDriver(this.dataSource, JdbcDriverOptions.defaults().withTablePrefix(this.prefix)));
		}

		@Test
		void everyFormDispatchesFromAParallelThread() {
			dispatchesEveryFormFromAParallelThread(runtime());
		}

		/**
		 * While another transaction locks the tasks table, the insert waits on a thread of the dispatch executor; the
		 * one thread of a non-blocking scheduler that subscribed the dispatch is free.
		 */
		@Test
		void theSubscribingThreadStaysFreeWhileTheDatabaseHoldsTheInsert() throws Exception {
			AsyncTasqRuntime runtime = runtime();
			Scheduler loop = Schedulers.newParallel("loop", 1);
			try (Connection locker = this.dataSource.getConnection()) {
				locker.setAutoCommit(false);
				try (Statement statement = locker.createStatement()) {
					statement.execute("LOCK TABLE " + this.prefix + "tasks IN ACCESS EXCLUSIVE MODE");
				}
				List<String> ids = new CopyOnWriteArrayList<>();
				runtime.reactiveDispatcher().dispatch(Mail::send, "a@b.c", 1).subscribeOn(loop).subscribe(ids::add);
				CountDownLatch probe = new CountDownLatch(1);
				loop.schedule(probe::countDown);
				assertThat(probe.await(1, TimeUnit.SECONDS)).as("the loop thread is free").isTrue();
				Awaitility.await().during(Duration.ofMillis(300)).atMost(WAIT).until(ids::isEmpty);
				locker.commit();
				Awaitility.await().atMost(WAIT).until(() -> ids.size() == 1);
				assertThat(runtime.driver().counts("default").ready()).isEqualTo(1);
			}
			finally {
				loop.dispose();
			}
		}

	}

	public static class Mail {

		@Task
		public void send(String to, int priority) {
		}

		@Task
		public void ping() {
		}

	}

	public record ChargeRequest(String order, long cents) {
	}

	@Task(name = "charge-card")
	public static class Charge implements TaskHandler<ChargeRequest> {

		@Override
		public void execute(ChargeRequest request, TaskContext context) {
		}

	}

	public static class Unregistered {

		public void run() {
		}

	}

}
