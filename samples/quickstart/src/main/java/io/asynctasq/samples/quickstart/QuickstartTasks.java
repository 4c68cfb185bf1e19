package io.asynctasq.samples.quickstart;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/** The sample's tasks: ordinary bean methods marked {@code @Task}. */
@Component
public class QuickstartTasks {

	private static final Logger logger = LoggerFactory.getLogger(QuickstartTasks.class);

	@Task(name = "send-welcome-email")
	public void sendWelcomeEmail(String email, TaskContext context) {
		logger.info("Task {}: sending the welcome email to {}", context.taskId(), email);
	}

	@Task(name = "import-orders", retryDelay = "300ms")
	public void importOrders(String file, TaskContext context) {
		if (context.attempt() < 3) {
			throw new IllegalStateException("the file " + file + " is still being uploaded (attempt "
					+ context.attempt() + ")");
		}
		logger.info("Task {}: imported {} on attempt {}", context.taskId(), file, context.attempt());
	}

	@Task(name = "send-reminder")
	public void sendReminder(String email, TaskContext context) {
		logger.info("Task {}: reminder sent to {}, {} ms after dispatch", context.taskId(), email,
				java.time.Duration.between(context.dispatchedAt(), java.time.Instant.now()).toMillis());
	}

	@Task(name = "charge-card", maxAttempts = 2, noRetryFor = IllegalArgumentException.class)
	public void chargeCard(String cardNumber, long amountCents) {
		throw new IllegalStateException("the payment gateway declined card " + cardNumber);
	}

}
