package io.asynctasq.worker;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A task method returning a {@link CompletableFuture} is awaited without holding a task thread: the
 * attempt ends (acknowledge, retry, dead-letter) when the future completes, and its timeout completes
 * it exceptionally.
 */
class WorkerAsyncTaskTests {

	private final EventLog events = new EventLog();

	private final AsyncTasks tasks = new AsyncTasks();

	private final AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
		.tasks(this.tasks)
		.executorMode(ExecutorMode.PLATFORM)
		.concurrency(2)
		.build();

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void pendingFuturesHoldTheirConcurrencySlotsButNoThread() throws Exception {
		Worker worker = this.runtime.worker();
		ThreadPoolExecutor pool = (ThreadPoolExecutor) worker.executor();
		assertThat(pool.getMaximumPoolSize()).isEqualTo(2);
		String a = this.runtime.dispatcher().task("async.pending").maxAttempts(1).dispatch("a");
		String b = this.runtime.dispatcher().task("async.pending").maxAttempts(1).dispatch("b");

		await().atMost(Duration.ofSeconds(10)).until(() -> this.tasks.futures.size() == 2);
		// both methods returned on their pool thread; the two threads of the pool are now idle although
		// both tasks are still in flight, holding the worker's two slots
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.getActiveCount() == 0);
		assertThat(worker.activeCount()).isEqualTo(2);
		assertThat(this.runtime.driver().counts("default")).isEqualTo(new QueueCounts(0, 0, 2, 0));
		assertThat(this.tasks.methodThreads.values()).allSatisfy((name) -> assertThat(name).startsWith("asynctasq-task-"));
		CountDownLatch probe = new CountDownLatch(1);
		pool.execute(probe::countDown);
		assertThat(probe.await(5, TimeUnit.SECONDS)).as("a pool thread is free for other work").isTrue();
		assertThat(this.events.of(TaskEvent.Completed.class)).isEmpty();

		this.tasks.futures.get("a").complete("done");

		TaskEvent.Completed completed = this.events.await(TaskEvent.Completed.class, a);
		assertThat(completed.attempt()).isEqualTo(1);
		assertThat(this.runtime.driver().counts("default")).isEqualTo(new QueueCounts(0, 0, 1, 0));
		assertThat(this.events.forTask(b)).noneMatch((event) -> event instanceof TaskEvent.Completed
				|| event instanceof TaskEvent.Failed);

		this.tasks.futures.get("b").completeExceptionally(new IllegalStateException("remote call failed"));

		this.events.await(TaskEvent.DeadLettered.class, b);
		assertThat(this.events.of(TaskEvent.Failed.class, b)).singleElement()
			.satisfies((failed) -> assertThat(failed.error()).isInstanceOf(IllegalStateException.class)
				.hasMessage("remote call failed"));
		assertThat(this.runtime.driver().deadLetters("default", 0, 10)).singleElement()
			.satisfies((dead) -> assertThat(dead.failure().errorClass())
				.isEqualTo(IllegalStateException.class.getName()));
		await().atMost(Duration.ofSeconds(5)).until(() -> worker.activeCount() == 0);
	}

	@Test
	void timeoutCompletesAPendingFutureExceptionally() {
		String id = this.runtime.dispatcher().dispatch("async.neverCompletes", "t");

		DeadLetter dead = awaitDeadLetter(id);

		CompletableFuture<String> future = this.tasks.futures.get("t");
		assertThat(future).isCompletedExceptionally();
		assertThatThrownBy(future::join).hasCauseInstanceOf(TaskTimeoutException.class);
		assertThat(dead.attempts()).isEqualTo(1);
		assertThat(dead.failure().errorClass()).isEqualTo(TaskTimeoutException.class.getName());
		assertThat(this.events.of(TaskEvent.Failed.class, id)).singleElement()
			.satisfies((failed) -> assertThat(failed.error()).isInstanceOf(TaskTimeoutException.class));
		await().atMost(Duration.ofSeconds(5)).until(() -> this.runtime.worker().activeCount() == 0);
	}

	@Test
	void timeoutReachedBeforeTheMethodReturnsItsFutureStillEndsTheAttempt() {
		// the timeout fires while the method itself still runs; it ignores the interrupt and then
		// returns a future that never completes
		String id = this.runtime.dispatcher().dispatch("async.slowToReturn", "late");

		DeadLetter dead = awaitDeadLetter(id);

		assertThat(this.tasks.interrupted).isTrue();
		assertThat(dead.failure().errorClass()).isEqualTo(TaskTimeoutException.class.getName());
		assertThat(this.tasks.futures.get("late")).isCompletedExceptionally();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.runtime.worker().activeCount() == 0);
		assertThat(this.runtime.driver().counts("default")).isEqualTo(new QueueCounts(0, 0, 0, 1));
	}

	@Test
	void futureCompletedWithinItsTimeoutSucceedsEvenWhenItsCompletionWaitsForABusyThread() throws Exception {
		Worker worker = this.runtime.worker();
		ThreadPoolExecutor pool = (ThreadPoolExecutor) worker.executor();
		String id = this.runtime.dispatcher().dispatch("async.timeLimited", "in time");
		await().until(() -> this.tasks.futures.containsKey("in time") && pool.getActiveCount() == 0);
		// both task threads get busy with other work
		CountDownLatch busy = new CountDownLatch(2);
		CountDownLatch free = new CountDownLatch(1);
		for (int i = 0; i < 2; i++) {
			pool.execute(() -> {
				busy.countDown();
				awaitQuietly(free);
			});
		}
		assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();

		// the future completes within its 300 ms timeout; ending the attempt waits for a thread
		this.tasks.futures.get("in time").complete("done");
		await().until(() -> pool.getQueue().size() == 1);
		// the single timer thread runs due tasks in order: once this ran, the timeout was due and handled
		CountDownLatch timeoutPassed = new CountDownLatch(1);
		worker.scheduler().schedule(timeoutPassed::countDown, 350, TimeUnit.MILLISECONDS);
		assertThat(timeoutPassed.await(10, TimeUnit.SECONDS)).isTrue();
		free.countDown();

		TaskEvent.Completed completed = this.events.await(TaskEvent.Completed.class, id);
		assertThat(completed.attempt()).isEqualTo(1);
		assertThat(this.events.of(TaskEvent.Retrying.class, id)).isEmpty();
		assertThat(this.runtime.driver().counts("default")).isEqualTo(QueueCounts.EMPTY);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private DeadLetter awaitDeadLetter(String id) {
		this.events.await(TaskEvent.DeadLettered.class, id);
		return this.runtime.driver()
			.deadLetters("default", 0, 10)
			.stream()
			.filter((dead) -> dead.id().equals(id))
			.findFirst()
			.orElseThrow();
	}

	static class AsyncTasks {

		final Map<String, CompletableFuture<String>> futures = new ConcurrentHashMap<>();

		final Map<String, String> methodThreads = new ConcurrentHashMap<>();

		volatile boolean interrupted;

		@Task(name = "async.pending")
		public CompletableFuture<String> pending(String key) {
			CompletableFuture<String> future = new CompletableFuture<>();
			this.methodThreads.put(key, Thread.currentThread().getName());
			this.futures.put(key, future);
			return future;
		}

		@Task(name = "async.neverCompletes", timeout = "200ms", maxAttempts = 1)
		public CompletableFuture<String> neverCompletes(String key) {
			return pending(key);
		}

		@Task(name = "async.timeLimited", timeout = "300ms", maxAttempts = 2)
		public CompletableFuture<String> timeLimited(String key) {
			return pending(key);
		}

		@Task(name = "async.slowToReturn", timeout = "100ms", maxAttempts = 1)
		public CompletableFuture<String> slowToReturn(String key) {
			try {
				new CountDownLatch(1).await(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				this.interrupted = true;
			}
			return pending(key);
		}

	}

}
