package io.asynctasq.samples.quickstart;

import java.time.Duration;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.test.AutoConfigureAsyncTasqTest;
import io.asynctasq.test.DispatchedTasks;
import io.asynctasq.test.ManualWorker;
import io.asynctasq.test.TaskRun;
import io.asynctasq.test.TestClock;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's tasks, run by the test starter's manual worker on its clock: no worker thread, no waiting.
 * Without the walkthrough ({@link QuickstartRunner}), which dispatches its own tasks and waits for them.
 */
@SpringBootTest(properties = "quickstart.walkthrough.enabled=false")
@AutoConfigureAsyncTasqTest
class QuickstartTasksTests {

	@Autowired
	TaskDispatcher dispatcher;

	@Autowired
	DispatchedTasks dispatched;

	@Autowired
	ManualWorker worker;

	@Autowired
	TestClock clock;

	@Test
	void dispatchIsRecordedWithTypedArguments() {
		this.dispatcher.dispatch("charge-card", "4000-0000-0000-0002", 1999L);

		assertThat(this.dispatched.only("charge-card").arguments()).containsExactly("4000-0000-0000-0002", 1999L);
	}

	@Test
	void importOrdersSucceedsOnItsThirdAttempt() {
		this.dispatcher.dispatch(QuickstartTasks::importOrders, "orders-2026-11.csv", null);

		assertThat(this.worker.drain().retrying()).isEqualTo(1);
		this.clock.advance(Duration.ofMillis(300)); // retryDelay = "300ms"
		assertThat(this.worker.drain().retrying()).isEqualTo(1);
		this.clock.advance(Duration.ofMillis(600)); // exponential back-off: twice that
		assertThat(this.worker.drain().succeeded()).isEqualTo(1);

		assertThat(this.worker.runsOf("import-orders")).extracting(TaskRun::attempt).containsExactly(1, 2, 3);
	}

	@Test
	void theReminderRunsOnceItsDelayHasPassed() {
		this.dispatcher.task("send-reminder").delay(Duration.ofSeconds(2)).dispatch("grace@example.com");

		assertThat(this.worker.drain().runs()).isEmpty();
		this.clock.advance(Duration.ofSeconds(2));
		assertThat(this.worker.drain().succeeded()).isEqualTo(1);
	}

	@Test
	void aDeclinedCardEndsInTheDeadLetterQueueAfterTwoAttempts() {
		this.dispatcher.dispatch("charge-card", "4000-0000-0000-0002", 1999L);

		assertThat(this.worker.drain().retrying()).isEqualTo(1);
		this.clock.advance(Duration.ofMillis(200)); // asynctasq.task-defaults.retry-delay
		TaskRun last = this.worker.drain().runs().get(0);

		assertThat(last.outcome()).isEqualTo(TaskRun.Outcome.DEAD_LETTERED);
		assertThat(last.attempt()).isEqualTo(2);
		assertThat(last.error()).hasMessageContaining("declined card 4000-0000-0000-0002");
	}

}
