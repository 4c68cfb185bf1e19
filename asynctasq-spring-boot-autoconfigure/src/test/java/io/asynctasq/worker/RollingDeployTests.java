package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * During a rolling deploy old and new workers share a queue: a task only the new ones know, or whose
 * arguments only they decode, goes back to the queue from an old worker until a new one runs it, and is
 * dead-lettered only once its grace has passed.
 */
@ExtendWith(OutputCaptureExtension.class)
class RollingDeployTests {

	private final MemoryDriver driver = new MemoryDriver();

	private final List<AsyncTasqRuntime> runtimes = new ArrayList<>();

	@AfterEach
	void close() {
		this.runtimes.forEach(AsyncTasqRuntime::close);
	}

	@Test
	void aTaskOnlyNewerWorkersKnowRunsThereAndIsNeverDeadLettered(CapturedOutput output) {
		OldTasks oldTasks = new OldTasks();
		NewTasks newTasks = new NewTasks();
		start(Duration.ofHours(1), oldTasks);
		AsyncTasqRuntime newWorker = start(Duration.ofHours(1), newTasks);

		for (int i = 0; i < 40; i++) {
			newWorker.dispatcher().dispatch("reports.render", i);
			newWorker.dispatcher().dispatch("images.resize", "large-" + i);
			newWorker.dispatcher().dispatch("mail.send", i);
		}

		TestRuntimes.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(newTasks.rendered).hasSize(40);
			assertThat(newTasks.resized).hasSize(40);
			assertThat(oldTasks.sent.get() + newTasks.sent.get()).isEqualTo(40);
			assertThat(this.driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
		});
		assertThat(newTasks.rendered.values()).as("each new task ran once").containsOnly(1);
		assertThat(newTasks.resized.values()).containsOnly(1);
		assertThat(oldTasks.resizedAsNumber.get()).as("the old worker never ran the new signature").isZero();
		assertThat(this.driver.deadLetters("default", 0, 100)).isEmpty();
		assertThat(output).as("the old worker met new tasks and put them back")
			.contains("'reports.render' on queue 'default' cannot run on this worker (unknown task")
			.contains("it goes back to its queue for a worker that can");
	}

	@Test
	void withOnlyOldWorkersTheTaskIsDeadLetteredOnceItsGraceHasPassed(CapturedOutput output) {
		Duration grace = Duration.ofSeconds(1);
		start(grace, new OldTasks());
		// a new instance that only dispatches, its workers not deployed yet
		AsyncTasqRuntime newProducer = TestRuntimes.builder(new EventLog())
			.driver(this.driver)
			.tasks(new NewTasks())
			.worker(false)
			.build();
		this.runtimes.add(newProducer);

		Instant dispatchedAt = Instant.now();
		String unknown = newProducer.dispatcher().dispatch("reports.render", 7);
		String undecodable = newProducer.dispatcher().dispatch("images.resize", "large");

		TestRuntimes.await().atMost(Duration.ofSeconds(15))
			.untilAsserted(() -> assertThat(this.driver.counts("default").deadLettered()).isEqualTo(2));
		Map<String, DeadLetter> dead = new ConcurrentHashMap<>();
		this.driver.deadLetters("default", 0, 10).forEach((letter) -> dead.put(letter.id(), letter));
		assertThat(dead.get(unknown).failure().reason()).isEqualTo("unknown task");
		assertThat(dead.get(unknown).failure().errorMessage())
			.isEqualTo("no task named 'reports.render' is registered here (no worker ran it within PT1S of its dispatch)");
		assertThat(dead.get(undecodable).failure().reason()).isEqualTo("undecodable arguments");
		assertThat(dead.get(undecodable).failure().errorMessage()).contains("PT1S");
		for (DeadLetter letter : dead.values()) {
			assertThat(letter.attempts()).as("postponing does not count attempts").isEqualTo(1);
			assertThat(letter.deadLetteredAt()).as("not before the grace").isAfterOrEqualTo(dispatchedAt.plus(grace));
		}
		assertThat(output).containsOnlyOnce("'reports.render' on queue 'default' cannot run on this worker");
	}

	private AsyncTasqRuntime start(Duration grace, Object tasks) {
		AsyncTasqRuntime runtime = TestRuntimes.builder(new EventLog())
			.driver(this.driver)
			.tasks(tasks)
			.concurrency(4)
			.unknownTaskGrace(grace)
			.build();
		this.runtimes.add(runtime);
		return runtime;
	}

	/** The tasks of the old release: no reports.render, and images.resize took a number. */
	static class OldTasks {

		final AtomicInteger sent = new AtomicInteger();

		final AtomicInteger resizedAsNumber = new AtomicInteger();

		@Task(name = "mail.send")
		public void send(int n) {
			this.sent.incrementAndGet();
		}

		@Task(name = "images.resize")
		public void resize(int width) {
			this.resizedAsNumber.incrementAndGet();
		}

	}

	/** The tasks of the new release. */
	static class NewTasks {

		final AtomicInteger sent = new AtomicInteger();

		final Map<Integer, Integer> rendered = new ConcurrentHashMap<>();

		final Map<String, Integer> resized = new ConcurrentHashMap<>();

		@Task(name = "mail.send")
		public void send(int n) {
			this.sent.incrementAndGet();
		}

		@Task(name = "reports.render")
		public void render(int report) {
			this.rendered.merge(report, 1, Integer::sum);
		}

		@Task(name = "images.resize")
		public void resize(String size) {
			this.resized.merge(size, 1, Integer::sum);
		}

	}

}
