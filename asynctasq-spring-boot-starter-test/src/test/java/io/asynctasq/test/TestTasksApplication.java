package io.asynctasq.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Backoff;
import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;

/** An application with a few tasks, for the tests of the test starter. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(TestTasksApplication.Tasks.class)
class TestTasksApplication {

	record Email(String subject, int priority) {
	}

	@Component
	static class Tasks {

		final List<String> ran = new CopyOnWriteArrayList<>();

		private final TaskDispatcher dispatcher;

		Tasks(TaskDispatcher dispatcher) {
			this.dispatcher = dispatcher;
		}

		@Task(name = "send-email")
		public String sendEmail(String to, Email email) {
			this.ran.add("send-email " + to);
			this.dispatcher.dispatch("audit", "sent " + email.subject() + " to " + to);
			return "sent to " + to;
		}

		@Task(name = "audit", queue = "audit")
		public void audit(String entry) {
			this.ran.add("audit " + entry);
		}

		@Task(name = "remind")
		public void remind(String to) {
			this.ran.add("remind " + to);
		}

		@Task(name = "charge-card", maxAttempts = 3, retryDelay = "1m", backoff = Backoff.FIXED)
		public void chargeCard(long cents, TaskContext context) {
			this.ran.add("charge-card attempt " + context.attempt());
			throw new IllegalStateException("card declined");
		}

	}

}
