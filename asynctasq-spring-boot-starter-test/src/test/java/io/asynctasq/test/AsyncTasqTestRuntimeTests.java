package io.asynctasq.test;

import java.time.Duration;
import java.time.Instant;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The test starter without Spring. */
class AsyncTasqTestRuntimeTests {

	private final AsyncTasqTestRuntime asyncTasq = AsyncTasqTestRuntime.of(new Greetings());

	@AfterEach
	void close() {
		this.asyncTasq.close();
	}

	@Test
	void recordsAndRunsTasks() {
		this.asyncTasq.dispatcher().task("greet").maxAttempts(2).dispatch("ada");

		assertThat(this.asyncTasq.dispatched().only("greet").maxAttempts()).isEqualTo(2);
		DrainResult drained = this.asyncTasq.worker().drain();
		assertThat(drained.succeeded()).isEqualTo(1);
		assertThat(drained.runs().get(0).value()).isEqualTo("hello ada");
	}

	@Test
	void retriesOnTheTestClock() {
		this.asyncTasq.dispatcher().dispatch("flaky");

		TaskRun failed = this.asyncTasq.worker().drain().runs().get(0);
		assertThat(failed.outcome()).isEqualTo(TaskRun.Outcome.RETRYING);
		this.asyncTasq.clock().advance(failed.retryDelay());
		assertThat(this.asyncTasq.worker().drain().succeeded()).isEqualTo(1);
	}

	@Test
	void theClockMovesOnlyWhenTold() {
		TestClock clock = this.asyncTasq.clock();
		Instant start = clock.instant();
		clock.advance(Duration.ofDays(1));
		assertThat(clock.instant()).isEqualTo(start.plus(Duration.ofDays(1)));
		clock.reset();
		assertThat(clock.instant()).isEqualTo(start);
	}

	static class Greetings {

		@Task(name = "greet")
		public String greet(String name) {
			return "hello " + name;
		}

		@Task(name = "flaky")
		public void flaky(TaskContext context) {
			if (context.attempt() == 1) {
				throw new IllegalStateException("not yet");
			}
		}

	}

}
