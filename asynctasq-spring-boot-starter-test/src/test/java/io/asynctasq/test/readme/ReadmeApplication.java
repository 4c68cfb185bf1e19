package io.asynctasq.test.readme;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;

/** The application of the README's examples, for {@link ReadmeTestingExampleTests}. */
@SpringBootApplication
class ReadmeApplication {

	@Component
	public static class EmailTasks {

		@Task(queue = "emails", maxAttempts = 5, retryDelay = "30s", timeout = "${mail.timeout:2m}")
		public void sendEmail(String to, String subject, TaskContext context) {
		}

	}

}
