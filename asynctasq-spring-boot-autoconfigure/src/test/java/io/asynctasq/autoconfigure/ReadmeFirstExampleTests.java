package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's first example ("Use it"), as written there: every dispatch in it runs. */
class ReadmeFirstExampleTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqAutoConfiguration.class))
		.withUserConfiguration(ExampleConfiguration.class);

	@Test
	void theTaskOnItsOwnQueueRunsWithoutQueueConfiguration() {
		this.runner.run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			// by name
			dispatcher.dispatch("EmailTasks.sendEmail", "a@b.c", "Welcome");
			// type-safe, by method reference (a TaskContext parameter is passed as null)
			dispatcher.dispatch(EmailTasks::sendEmail, "a@b.c", "Welcome", null);

			EmailTasks tasks = context.getBean(EmailTasks.class);
			Awaitility.await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(tasks.sent).containsExactly("Welcome@emails", "Welcome@emails"));
		});
	}

	@Test
	void everyDispatchOfTheExampleRunsWithItsQueueConfiguration() {
		this.runner.withPropertyValues("asynctasq.worker.queues=emails, emails-bulk, default").run((context) -> {
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			dispatcher.dispatch("EmailTasks.sendEmail", "a@b.c", "Welcome");
			dispatcher.dispatch(EmailTasks::sendEmail, "a@b.c", "Welcome", null);
			// the README delays this one by 5 minutes; the delay is not what is tested here
			dispatcher.task("EmailTasks.sendEmail")
				.onQueue("emails-bulk")
				.maxAttempts(2)
				.dispatch("a@b.c", "Did you forget something?");

			EmailTasks tasks = context.getBean(EmailTasks.class);
			Awaitility.await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(tasks.sent).containsExactlyInAnyOrder("Welcome@emails",
						"Welcome@emails", "Did you forget something?@emails-bulk"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ExampleConfiguration {

		@Bean
		EmailTasks emailTasks() {
			return new EmailTasks();
		}

	}

	static class EmailTasks {

		final List<String> sent = new CopyOnWriteArrayList<>();

		@Task(queue = "emails", maxAttempts = 5, retryDelay = "30s", timeout = "${mail.timeout:2m}")
		public void sendEmail(String to, String subject, TaskContext context) {
			this.sent.add(subject + "@" + context.queue());
		}

	}

}
