package io.asynctasq.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.codec.UndecodableTaskException;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tasks that cannot run (a body that is not a task, a corrupt message; with no grace left, a task this worker
 * does not know or arguments that do not fit the parameters) are dead-lettered with why, and the worker goes
 * on. {@link RollingDeployTests} covers the grace.
 */
class WorkerUnrunnableTaskTests {

	private final EventLog events = new EventLog();

	private final Tasks tasks = new Tasks();

	private final PayloadCodec codec = new PayloadCodec();

	private final AsyncTasqRuntime runtime = TestRuntimes.builder(this.events)
		.tasks(this.tasks)
		.unknownTaskGrace(Duration.ZERO)
		.build();

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void bodyThatIsNotJsonIsDeadLetteredAsUndecodablePayload() {
		String id = enqueueRaw("\u0000\u00ffnot json at all".getBytes(StandardCharsets.ISO_8859_1));

		assertUnrunnable(id, "undecodable payload", "payload is not JSON");
		assertWorkerKeepsProcessing();
	}

	@Test
	void jsonThatIsNotAnEnvelopeIsDeadLetteredAsUndecodablePayload() {
		String id = enqueueRaw("{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8));

		assertUnrunnable(id, "undecodable payload", "needs 'task', 'args', 'dispatchedAt'");
		assertWorkerKeepsProcessing();
	}

	@Test
	void unknownTaskNameIsDeadLetteredAsUnknownTask() {
		String id = this.runtime.dispatcher().dispatch("billing.notRegisteredHere", 42);

		TaskEvent.DeadLettered deadLettered = assertUnrunnable(id, "unknown task",
				"no task named 'billing.notRegisteredHere' is registered here (no worker ran it within PT0S of its "
						+ "dispatch)");
		assertThat(deadLettered.taskName()).isEqualTo("billing.notRegisteredHere");
		assertWorkerKeepsProcessing();
	}

	@Test
	void optionOutOfRangeInTheMessageIsDeadLetteredAsUndecodablePayload() {
		String body = "{\"v\":1,\"task\":\"tasks.add\",\"args\":[1,2],\"dispatchedAt\":\"" + Instant.now()
				+ "\",\"timeoutMs\":9223372036854775807}";
		String id = enqueueRaw(body.getBytes(StandardCharsets.UTF_8));

		assertUnrunnable(id, "undecodable payload", "timeout must be zero or positive and at most 365 days");
		assertWorkerKeepsProcessing();
	}

	@Test
	void negativeMaxAttemptsInTheMessageIsDeadLetteredAsUndecodablePayload() {
		String body = "{\"v\":1,\"task\":\"tasks.add\",\"args\":[1,2],\"dispatchedAt\":\"" + Instant.now()
				+ "\",\"maxAttempts\":-1000000000}";
		String id = enqueueRaw(body.getBytes(StandardCharsets.UTF_8));

		assertUnrunnable(id, "undecodable payload", "maxAttempts counts the first attempt and must be between 1");
		assertWorkerKeepsProcessing();
	}

	@Test
	void argumentOfTheWrongShapeIsDeadLetteredAsUndecodableArguments() {
		String id = enqueueEnvelope("tasks.add", new Object[] { List.of("not", "a", "number"), 2 });

		assertUnrunnable(id, "undecodable arguments", "parameter 1 'a' (int)");
		assertWorkerKeepsProcessing();
	}

	@Test
	void wrongNumberOfArgumentsIsDeadLetteredAsUndecodableArguments() {
		String id = enqueueEnvelope("tasks.add", new Object[] { 1 });

		assertUnrunnable(id, "undecodable arguments", "takes 2 argument(s) but the payload has 1");
		assertWorkerKeepsProcessing();
	}

	private String enqueueRaw(byte[] body) {
		String id = UUID.randomUUID().toString();
		this.runtime.driver().enqueue(new TaskMessage(id, "default", body, Instant.now()), Duration.ZERO);
		return id;
	}

	private String enqueueEnvelope(String taskName, Object[] args) {
		TaskEnvelope envelope = new TaskEnvelope(taskName, this.codec.encodeArguments(taskName, args), Instant.now(),
				null, null, null, null);
		return enqueueRaw(this.codec.encode(envelope));
	}

	private TaskEvent.DeadLettered assertUnrunnable(String id, String reason, String messageFragment) {
		TaskEvent.DeadLettered deadLettered = this.events.await(TaskEvent.DeadLettered.class, id);
		assertThat(deadLettered.reason()).startsWith(reason + ": ").contains(messageFragment);
		assertThat(deadLettered.attempts()).isEqualTo(1);
		List<DeadLetter> dead = this.runtime.driver().deadLetters("default", 0, 10);
		assertThat(dead).singleElement().satisfies((letter) -> {
			assertThat(letter.id()).isEqualTo(id);
			assertThat(letter.attempts()).isEqualTo(1);
			assertThat(letter.failure().reason()).isEqualTo(reason);
			assertThat(letter.failure().errorClass()).isEqualTo(UndecodableTaskException.class.getName());
			assertThat(letter.failure().errorMessage()).contains(messageFragment);
			assertThat(letter.failure().stackTrace()).isNotBlank();
		});
		// nothing ran and nothing is retried
		assertThat(this.events.forTask(id)).noneMatch((event) -> event instanceof TaskEvent.Started
				|| event instanceof TaskEvent.Retrying || event instanceof TaskEvent.Failed);
		assertThat(this.tasks.sums).isEmpty();
		return deadLettered;
	}

	private void assertWorkerKeepsProcessing() {
		String good = this.runtime.dispatcher().dispatch("tasks.add", 2, 3);
		this.events.await(TaskEvent.Completed.class, good);
		assertThat(this.tasks.sums).containsExactly(5);
		assertThat(this.runtime.driver().counts("default")).isEqualTo(new QueueCounts(0, 0, 0, 1));
	}

	static class Tasks {

		final List<Integer> sums = new CopyOnWriteArrayList<>();

		@Task(name = "tasks.add")
		public void add(int a, int b) {
			this.sums.add(a + b);
		}

	}

}
