package io.asynctasq.test.readme;

import java.time.Duration;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.test.AutoConfigureAsyncTasqTest;
import io.asynctasq.test.DispatchedTask;
import io.asynctasq.test.DispatchedTasks;
import io.asynctasq.test.ManualWorker;
import io.asynctasq.test.TestClock;
import io.asynctasq.test.readme.ReadmeApplication.EmailTasks;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's "Testing your tasks" example, as written there. */
@SpringBootTest
@AutoConfigureAsyncTasqTest
class ReadmeTestingExampleTests {

	@Autowired TaskDispatcher dispatcher;
	@Autowired DispatchedTasks dispatched;
	@Autowired ManualWorker worker;
	@Autowired TestClock clock;

	@Test
	void sendsTheWelcomeEmail() {
		dispatcher.dispatch(EmailTasks::sendEmail, "ada@example.com", "Welcome", null);

		DispatchedTask email = dispatched.only("EmailTasks.sendEmail");
		assertThat(email.arguments()).containsExactly("ada@example.com", "Welcome");
		assertThat(email.queue()).isEqualTo("emails");

		assertThat(worker.drain().succeeded()).isEqualTo(1);
	}

	@Test
	void theReminderWaitsForItsDelay() {
		dispatcher.task("EmailTasks.sendEmail").delay(Duration.ofMinutes(5)).dispatch("ada@example.com", "Reminder");

		assertThat(worker.drain().runs()).isEmpty();
		clock.advance(Duration.ofMinutes(5));
		assertThat(worker.drain().succeeded()).isEqualTo(1);
	}

}
