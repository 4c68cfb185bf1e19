package io.asynctasq.samples.quickstart;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.events.TaskEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Dispatches the sample's tasks, follows their events, and reports once every task is settled; off with
 * {@code quickstart.walkthrough.enabled=false} (tests of the tasks alone).
 */
@Component
@ConditionalOnBooleanProperty(name = "quickstart.walkthrough.enabled", matchIfMissing = true)
public class QuickstartRunner implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(QuickstartRunner.class);

	private static final int TASKS = 4;

	private final TaskDispatcher dispatcher;

	private final QueueDriver driver;

	private final Set<String> settled = ConcurrentHashMap.newKeySet();

	private final CountDownLatch allSettled = new CountDownLatch(TASKS);

	private int exitCode;

	public QuickstartRunner(TaskDispatcher dispatcher, QueueDriver driver) {
		this.dispatcher = dispatcher;
		this.driver = driver;
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		logger.info("Dispatched send-welcome-email: task {}", this.dispatcher.dispatch("send-welcome-email",
				"ada@example.com"));
		logger.info("Dispatched import-orders (fails twice, then succeeds): task {}",
				this.dispatcher.dispatch(QuickstartTasks::importOrders, "orders-2026-11.csv", null));
		logger.info("Dispatched send-reminder with a 2 s delay: task {}",
				this.dispatcher.task("send-reminder").delay(Duration.ofSeconds(2)).dispatch("grace@example.com"));
		logger.info("Dispatched charge-card (always fails, ends in the dead-letter queue): task {}",
				this.dispatcher.dispatch("charge-card", "4000-0000-0000-0002", 1999L));

		if (!this.allSettled.await(30, TimeUnit.SECONDS)) {
			logger.error("Not every task settled within 30 s");
			this.exitCode = 1;
			return;
		}
		for (DeadLetter dead : this.driver.deadLetters("default", 0, 10)) {
			logger.info("Dead-letter queue holds task {} after {} attempt(s): {}: {}", dead.id(), dead.attempts(),
					dead.failure().errorClass(), dead.failure().errorMessage());
		}
		logger.info("Quickstart done: {} tasks settled; queue 'default' counts: {}", TASKS,
				this.driver.counts("default"));
	}

	@EventListener
	public void on(TaskEvent event) {
		if (event instanceof TaskEvent.Enqueued e) {
			logger.info("Task {} '{}' enqueued on '{}'", e.taskId(), e.taskName(), e.queue());
		}
		else if (event instanceof TaskEvent.Started e) {
			logger.info("Task {} '{}' attempt {} started", e.taskId(), e.taskName(), e.attempt());
		}
		else if (event instanceof TaskEvent.Retrying e) {
			logger.info("Task {} '{}' attempt {} failed ({}); retry in {} ms", e.taskId(), e.taskName(),
					e.failedAttempt(), e.error().getMessage(), e.delay().toMillis());
		}
		else if (event instanceof TaskEvent.Completed e) {
			logger.info("Task {} '{}' completed on attempt {}", e.taskId(), e.taskName(), e.attempt());
			settle(e.taskId());
		}
		else if (event instanceof TaskEvent.Failed e) {
			logger.info("Task {} '{}' failed permanently after {} attempt(s)", e.taskId(), e.taskName(),
					e.attempts());
		}
		else if (event instanceof TaskEvent.DeadLettered e) {
			logger.info("Task {} '{}' moved to the dead-letter queue", e.taskId(), e.taskName());
			settle(e.taskId());
		}
	}

	private void settle(String taskId) {
		if (this.settled.add(taskId)) {
			this.allSettled.countDown();
		}
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
