package io.asynctasq.worker;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Backoff;
import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskHandler;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.asynctasq.worker.TestRuntimes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a worker does with the outcome of an attempt: acknowledge, retry with back-off, or dead-letter,
 * and the events it publishes on the way.
 */
class WorkerOutcomeTests {

	private final EventLog events = new EventLog();

	private final Jobs jobs = new Jobs();

	private final AlwaysFails alwaysFails = new AlwaysFails();

	private final AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
		.tasks(this.jobs, this.alwaysFails)
		.build();

	{
		this.alwaysFails.driver = this.runtime.driver();
	}

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void successfulTaskIsAcknowledgedAfterStartedAndCompletedEvents() {
		String id = this.runtime.dispatcher().dispatch("jobs.ok", "hello");

		TaskEvent.Completed completed = this.events.await(TaskEvent.Completed.class, id);

		assertThat(this.jobs.received).containsExactly("hello");
		assertThat(completed.attempt()).isEqualTo(1);
		assertThat(completed.workerId()).isEqualTo(this.runtime.worker().workerId());
		List<TaskEvent> workerEvents = this.events.forTask(id)
			.stream()
			.filter((event) -> !(event instanceof TaskEvent.Enqueued))
			.toList();
		assertThat(workerEvents).hasExactlyElementsOfTypes(TaskEvent.Started.class, TaskEvent.Completed.class);
		assertThat(workerEvents).allSatisfy((event) -> {
			assertThat(event.taskName()).isEqualTo("jobs.ok");
			assertThat(event.queue()).isEqualTo("default");
		});
		assertThat(this.events.of(TaskEvent.Enqueued.class, id)).hasSize(1);
		assertThat(this.runtime.driver().counts("default")).isEqualTo(QueueCounts.EMPTY);
	}

	@Test
	void failsTwiceThenSucceedsWithFixedBackOff() {
		String id = this.runtime.dispatcher().dispatch("jobs.flaky", 3);

		TaskEvent.Completed completed = this.events.await(TaskEvent.Completed.class, id);

		assertThat(completed.attempt()).isEqualTo(3);
		assertThat(this.jobs.flakyAttempts).containsExactly(1, 2, 3);
		List<TaskEvent.Retrying> retries = this.events.of(TaskEvent.Retrying.class, id);
		assertThat(retries).extracting(TaskEvent.Retrying::failedAttempt).containsExactly(1, 2);
		assertThat(retries).extracting(TaskEvent.Retrying::delay)
			.containsExactly(TestRuntimes.RETRY_DELAY, TestRuntimes.RETRY_DELAY);
		assertThat(retries).extracting((retry) -> retry.error().getMessage())
			.containsExactly("attempt 1", "attempt 2");
		assertAttemptsSpacedByTheirDelays(id, retries);
		assertThat(this.events.of(TaskEvent.Failed.class, id)).isEmpty();
		assertThat(this.runtime.driver().counts("default")).isEqualTo(QueueCounts.EMPTY);
	}

	@Test
	void exponentialBackOffDoublesTheDelayUpToTheMaximum() {
		// retry delay 20 ms, max retry delay 50 ms, no jitter: 20, 40, then 80 capped at 50
		String id = this.runtime.dispatcher().dispatch("jobs.exponential");

		this.events.await(TaskEvent.DeadLettered.class, id);

		List<TaskEvent.Retrying> retries = this.events.of(TaskEvent.Retrying.class, id);
		assertThat(retries).extracting(TaskEvent.Retrying::failedAttempt).containsExactly(1, 2, 3);
		assertThat(retries).extracting(TaskEvent.Retrying::delay)
			.containsExactly(Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(50));
		assertAttemptsSpacedByTheirDelays(id, retries);
		assertThat(this.events.of(TaskEvent.Failed.class, id)).singleElement()
			.satisfies((failed) -> assertThat(failed.attempts()).isEqualTo(4));
	}

	@Test
	void exhaustedAttemptsDeadLetterTheTaskOnceWithItsError() {
		String id = this.runtime.dispatcher().dispatch(AlwaysFails.class, new Payload("invoice", 7));

		await().atMost(Duration.ofSeconds(10)).until(() -> this.alwaysFails.failedCalls.size() == 1);

		assertThat(this.alwaysFails.attempts).containsExactly(1, 2);
		DeadLetter dead = this.runtime.driver().deadLetters("default", 0, 10).get(0);
		assertThat(dead.id()).isEqualTo(id);
		assertThat(dead.attempts()).isEqualTo(2);
		assertThat(dead.failure().reason()).isEqualTo("failed");
		assertThat(dead.failure().errorClass()).isEqualTo(IllegalStateException.class.getName());
		assertThat(dead.failure().errorMessage()).isEqualTo("cannot process invoice #7 (attempt 2)");
		assertThat(dead.failure().stackTrace()).contains("IllegalStateException: cannot process invoice #7")
			.contains(AlwaysFails.class.getName() + ".execute");
		assertThat(this.events.of(TaskEvent.Retrying.class, id)).hasSize(1);
		assertThat(this.events.of(TaskEvent.Failed.class, id)).singleElement().satisfies((failed) -> {
			assertThat(failed.attempts()).isEqualTo(2);
			assertThat(failed.error()).hasMessage("cannot process invoice #7 (attempt 2)");
		});
		assertThat(this.events.of(TaskEvent.DeadLettered.class, id)).singleElement().satisfies((deadLettered) -> {
			assertThat(deadLettered.attempts()).isEqualTo(2);
			assertThat(deadLettered.reason()).isEqualTo("failed");
		});
		// the hook ran once, after the task was dead-lettered, with the decoded payload and last error
		assertThat(this.alwaysFails.failedCalls).containsExactly("invoice#7:cannot process invoice #7 (attempt 2)"
				+ ":attempt 2/2:dead letters=1");
		assertThat(this.runtime.driver().counts("default")).isEqualTo(new QueueCounts(0, 0, 0, 1));
	}

	@Test
	void noRetryForExceptionIsDeadLetteredOnTheFirstAttempt() {
		String id = this.runtime.dispatcher().dispatch("jobs.noRetryFor");

		this.events.await(TaskEvent.DeadLettered.class, id);

		assertThat(this.jobs.calls("noRetryFor")).isEqualTo(1);
		assertThat(this.events.of(TaskEvent.Retrying.class, id)).isEmpty();
		assertThat(this.events.of(TaskEvent.Failed.class, id)).singleElement()
			.satisfies((failed) -> assertThat(failed.attempts()).isEqualTo(1));
		assertThat(this.runtime.driver().deadLetters("default", 0, 10)).singleElement().satisfies((dead) -> {
			assertThat(dead.attempts()).isEqualTo(1);
			assertThat(dead.failure().errorClass()).isEqualTo(IllegalArgumentException.class.getName());
		});
	}

	@Test
	void noRetryForWinsOverRetryFor() {
		String id = this.runtime.dispatcher().dispatch("jobs.bothLists");

		this.events.await(TaskEvent.DeadLettered.class, id);

		assertThat(this.jobs.calls("bothLists")).isEqualTo(1);
		assertThat(this.events.of(TaskEvent.Retrying.class, id)).isEmpty();
	}

	@Test
	void retryForRetriesOnlyTheListedExceptions() {
		String notListed = this.runtime.dispatcher().dispatch("jobs.retryFor", false);
		String listed = this.runtime.dispatcher().dispatch("jobs.retryFor", true);

		this.events.await(TaskEvent.DeadLettered.class, notListed);
		this.events.await(TaskEvent.DeadLettered.class, listed);

		assertThat(this.events.of(TaskEvent.Retrying.class, notListed)).isEmpty();
		assertThat(this.events.of(TaskEvent.Failed.class, notListed)).singleElement()
			.satisfies((failed) -> assertThat(failed.error()).isInstanceOf(IllegalStateException.class));
		assertThat(this.events.of(TaskEvent.Retrying.class, listed)).extracting(TaskEvent.Retrying::failedAttempt)
			.containsExactly(1, 2);
		assertThat(this.events.of(TaskEvent.Failed.class, listed)).singleElement().satisfies((failed) -> {
			assertThat(failed.attempts()).isEqualTo(3);
			assertThat(failed.error()).isInstanceOf(IOException.class);
		});
	}

	@Test
	void attemptExceedingItsTimeoutIsInterruptedAndCountsAsFailed() {
		String id = this.runtime.dispatcher().dispatch("jobs.slow");

		DeadLetter dead = awaitDeadLetter(id);

		assertThat(this.jobs.interrupted.get()).isEqualTo(2);
		assertThat(this.events.of(TaskEvent.Retrying.class, id)).singleElement().satisfies((retry) -> {
			assertThat(retry.failedAttempt()).isEqualTo(1);
			assertThat(retry.error()).isInstanceOf(TaskTimeoutException.class)
				.hasMessageContaining("jobs.slow")
				.hasMessageContaining("PT0.2S")
				.hasCauseInstanceOf(InterruptedException.class);
		});
		assertThat(dead.attempts()).isEqualTo(2);
		assertThat(dead.failure().errorClass()).isEqualTo(TaskTimeoutException.class.getName());
		assertThat(dead.failure().errorMessage()).contains("exceeded its timeout of PT0.2S");
		assertThat(this.events.of(TaskEvent.Failed.class, id)).singleElement()
			.satisfies((failed) -> assertThat(failed.error()).isInstanceOf(TaskTimeoutException.class));
	}

	private DeadLetter awaitDeadLetter(String id) {
		this.events.await(TaskEvent.DeadLettered.class, id);
		return this.runtime.driver()
			.deadLetters("default", 0, 100)
			.stream()
			.filter((dead) -> dead.id().equals(id))
			.findFirst()
			.orElseThrow();
	}

	/** Each attempt starts at least its retry delay after the previous attempt started. */
	private void assertAttemptsSpacedByTheirDelays(String id, List<TaskEvent.Retrying> retries) {
		List<TaskEvent.Started> starts = this.events.of(TaskEvent.Started.class, id);
		assertThat(starts).extracting(TaskEvent.Started::attempt)
			.containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, starts.size()).boxed().toList());
		for (TaskEvent.Retrying retry : retries) {
			int failed = retry.failedAttempt();
			Duration gap = Duration.between(starts.get(failed - 1).timestamp(), starts.get(failed).timestamp());
			assertThat(gap).isGreaterThanOrEqualTo(retry.delay());
		}
	}

	record Payload(String name, int number) {
	}

	static class Jobs {

		final List<String> received = new CopyOnWriteArrayList<>();

		final List<Integer> flakyAttempts = new CopyOnWriteArrayList<>();

		final List<String> calls = new CopyOnWriteArrayList<>();

		final AtomicInteger interrupted = new AtomicInteger();

		int calls(String name) {
			return (int) this.calls.stream().filter(name::equals).count();
		}

		@Task(name = "jobs.ok")
		public void ok(String text) {
			this.received.add(text);
		}

		@Task(name = "jobs.flaky")
		public void flaky(int succeedOnAttempt, TaskContext context) {
			this.flakyAttempts.add(context.attempt());
			if (context.attempt() < succeedOnAttempt) {
				throw new IllegalStateException("attempt " + context.attempt());
			}
		}

		@Task(name = "jobs.exponential", maxAttempts = 4, backoff = Backoff.EXPONENTIAL)
		public void exponential() {
			throw new IllegalStateException("always");
		}

		@Task(name = "jobs.noRetryFor", noRetryFor = IllegalArgumentException.class)
		public void noRetryFor() {
			this.calls.add("noRetryFor");
			throw new IllegalArgumentException("bad input, retrying cannot help");
		}

		@Task(name = "jobs.bothLists", retryFor = RuntimeException.class, noRetryFor = IllegalArgumentException.class)
		public void bothLists() {
			this.calls.add("bothLists");
			throw new IllegalArgumentException("excluded although its superclass is listed");
		}

		@Task(name = "jobs.retryFor", retryFor = IOException.class)
		public void retryFor(boolean listed) throws IOException {
			if (listed) {
				throw new IOException("transient");
			}
			throw new IllegalStateException("not listed in retryFor");
		}

		@Task(name = "jobs.slow", timeout = "200ms", maxAttempts = 2)
		public void slow() throws InterruptedException {
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				this.interrupted.incrementAndGet();
				throw ex;
			}
		}

	}

	@Task(maxAttempts = 2)
	static class AlwaysFails implements TaskHandler<Payload> {

		final List<Integer> attempts = new CopyOnWriteArrayList<>();

		final List<String> failedCalls = new CopyOnWriteArrayList<>();

		/** To check the hook runs after the task was dead-lettered. */
		volatile QueueDriver driver;

		@Override
		public void execute(Payload payload, TaskContext context) {
			this.attempts.add(context.attempt());
			throw new IllegalStateException(
					"cannot process " + payload.name() + " #" + payload.number() + " (attempt " + context.attempt() + ")");
		}

		@Override
		public void failed(Payload payload, Throwable error, TaskContext context) {
			this.failedCalls.add(payload.name() + "#" + payload.number() + ":" + error.getMessage() + ":attempt "
					+ context.attempt() + "/" + context.maxAttempts() + ":dead letters=" + deadLetters());
		}

		private long deadLetters() {
			return this.driver.counts("default").deadLettered();
		}

	}

}
