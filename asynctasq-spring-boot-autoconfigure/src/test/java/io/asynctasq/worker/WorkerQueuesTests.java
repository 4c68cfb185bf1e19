package io.asynctasq.worker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A worker with no queues configured serves the default queue and every queue its tasks name. */
@ExtendWith(OutputCaptureExtension.class)
class WorkerQueuesTests {

	private final EventLog events = new EventLog();

	private final Mail mail = new Mail();

	private AsyncTasqRuntime runtime;

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void withoutConfiguredQueuesTheQueuesOfRegisteredTasksAreServed() {
		this.runtime = TestRuntimes.builder(this.events).tasks(this.mail).build();

		assertThat(this.runtime.worker().queues()).containsExactly("default", "emails");
		String id = this.runtime.dispatcher().dispatch("Mail.send", "a@b.c");
		this.events.await(TaskEvent.Completed.class, id);
		assertThat(this.mail.sent).containsExactly("a@b.c");
	}

	@Test
	void configuredQueuesThatLeaveOutATasksQueueAreServedAsConfiguredWithAWarning(CapturedOutput output) {
		this.runtime = TestRuntimes.builder(this.events).tasks(this.mail).queues("default").build();

		assertThat(this.runtime.worker().queues()).containsExactly("default");
		assertThat(output).contains("task 'Mail.send' is declared on queue 'emails', which this worker does not serve "
				+ "(asynctasq.worker.queues=[default])");
	}

	static class Mail {

		final List<String> sent = new CopyOnWriteArrayList<>();

		@Task(name = "Mail.send", queue = "emails")
		public void send(String to) {
			this.sent.add(to);
		}

	}

}
