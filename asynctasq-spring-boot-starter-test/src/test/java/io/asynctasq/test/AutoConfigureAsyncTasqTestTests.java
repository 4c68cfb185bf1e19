package io.asynctasq.test;

import java.time.Duration;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.test.TestTasksApplication.Email;
import io.asynctasq.test.TestTasksApplication.Tasks;
import io.asynctasq.worker.Worker;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The test starter in a Spring Boot test: dispatches recorded, tasks run by hand, time moved by hand. */
@SpringBootTest(classes = TestTasksApplication.class, properties = "asynctasq.driver=redis")
@AutoConfigureAsyncTasqTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AutoConfigureAsyncTasqTestTests {

	@Autowired
	TaskDispatcher dispatcher;

	@Autowired
	DispatchedTasks dispatched;

	@Autowired
	ManualWorker worker;

	@Autowired
	TestClock clock;

	@Autowired
	QueueDriver driver;

	@Autowired
	Worker applicationWorker;

	@Autowired
	Tasks tasks;

	@Test
	@Order(1)
	void recordsEachDispatchWithItsTypedArgumentsAndOptions() {
		String id = this.dispatcher.task("send-email")
			.onQueue("emails")
			.delay(Duration.ofMinutes(5))
			.maxAttempts(2)
			.dispatch("ada@example.com", new Email("Welcome", 1));

		DispatchedTask email = this.dispatched.only("send-email");
		assertThat(email.id()).isEqualTo(id);
		assertThat(email.queue()).isEqualTo("emails");
		assertThat(email.arguments()).containsExactly("ada@example.com", new Email("Welcome", 1));
		assertThat(email.delay()).isEqualTo(Duration.ofMinutes(5));
		assertThat(email.maxAttempts()).isEqualTo(2);
		assertThat(email.retryDelay()).isNull();
		assertThat(this.tasks.ran).isEmpty();
	}

	@Test
	@Order(2)
	void nothingLeaksFromThePreviousTest() {
		assertThat(this.dispatched.isEmpty()).isTrue();
		assertThat(this.worker.runs()).isEmpty();
		assertThat(this.driver.counts("emails")).isEqualTo(new QueueCounts(0, 0, 0, 0));
		assertThat(this.worker.drain().runs()).isEmpty();
	}

	@Test
	void theDriverIsTheRecordingMemoryDriverAndTheWorkerIsNotStarted() {
		assertThat(this.driver).isInstanceOf(RecordingMemoryDriver.class);
		assertThat(this.applicationWorker.isRunning()).isFalse();
	}

	@Test
	void drainRunsReadyTasksAndTheTasksTheyDispatch() {
		this.tasks.ran.clear();
		String id = this.dispatcher.dispatch("send-email", "ada@example.com", new Email("Welcome", 1));

		DrainResult drained = this.worker.drain();

		assertThat(drained.succeeded()).isEqualTo(2);
		assertThat(this.tasks.ran).containsExactly("send-email ada@example.com", "audit sent Welcome to ada@example.com");
		TaskRun email = this.worker.runsOf("send-email").get(0);
		assertThat(email.taskId()).isEqualTo(id);
		assertThat(email.value()).isEqualTo("sent to ada@example.com");
		assertThat(this.dispatched.only("audit").arguments()).containsExactly("sent Welcome to ada@example.com");
		assertThat(this.dispatched.only("audit").queue()).isEqualTo("audit");
	}

	@Test
	void runNextRunsOneTask() {
		this.dispatcher.dispatch("remind", "ada@example.com");
		this.dispatcher.dispatch("remind", "grace@example.com");

		assertThat(this.worker.runNext()).hasValueSatisfying((run) -> assertThat(run.outcome())
			.isEqualTo(TaskRun.Outcome.SUCCEEDED));
		assertThat(this.worker.runs()).hasSize(1);
		assertThat(this.worker.drain().succeeded()).isEqualTo(1);
		assertThat(this.worker.runNext()).isEmpty();
	}

	@Test
	void aDelayedTaskRunsOnlyOnceTheClockHasPassedItsDelay() {
		this.dispatcher.task("remind").delay(Duration.ofHours(1)).dispatch("ada@example.com");

		assertThat(this.worker.drain().runs()).isEmpty();
		this.clock.advance(Duration.ofMinutes(59));
		assertThat(this.worker.drain().runs()).isEmpty();
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(this.worker.drain().succeeded()).isEqualTo(1);
	}

	@Test
	void aFailingTaskIsRetriedAfterItsRetryDelayThenDeadLettered() {
		this.dispatcher.dispatch("charge-card", 1999L);

		DrainResult first = this.worker.drain();
		assertThat(first.retrying()).isEqualTo(1);
		TaskRun failed = first.runs().get(0);
		assertThat(failed.error()).isInstanceOf(IllegalStateException.class).hasMessage("card declined");
		assertThat(failed.retryDelay()).isLessThanOrEqualTo(Duration.ofMinutes(1));
		assertThat(this.worker.drain().runs()).isEmpty();

		this.clock.advance(Duration.ofMinutes(1));
		assertThat(this.worker.drain().retrying()).isEqualTo(1);
		this.clock.advance(Duration.ofMinutes(1));
		DrainResult last = this.worker.drain();

		assertThat(last.deadLettered()).isEqualTo(1);
		assertThat(last.runs().get(0).attempt()).isEqualTo(3);
		assertThat(this.worker.runsOf("charge-card")).extracting(TaskRun::outcome)
			.containsExactly(TaskRun.Outcome.RETRYING, TaskRun.Outcome.RETRYING, TaskRun.Outcome.DEAD_LETTERED);
		assertThat(this.driver.counts("default").deadLettered()).isEqualTo(1);
	}

	@Test
	void onlyFailsListingWhatWasDispatched() {
		this.dispatcher.dispatch("remind", "ada@example.com");
		this.dispatcher.dispatch("remind", "grace@example.com");

		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> this.dispatched.only("remind"))
			.withMessageContaining("but 2 were")
			.withMessageContaining("remind[\"ada@example.com\"]");
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> this.dispatched.only("audit"))
			.withMessageContaining("but 0 were");
	}

}
