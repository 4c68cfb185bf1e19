package io.asynctasq.runtime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Cleanup steps run in order, each one even when an earlier one failed. */
@ExtendWith(OutputCaptureExtension.class)
class ShutdownSequenceTests {

	@Test
	void runsEveryStepInOrderWhenAllSucceed() {
		List<String> ran = new CopyOnWriteArrayList<>();
		ShutdownSequence sequence = new ShutdownSequence().then("dispatcher", () -> ran.add("dispatcher"))
			.then("worker executors", () -> ran.add("worker executors"))
			.then("driver", () -> ran.add("driver"));

		assertThat(sequence.run()).isZero();
		assertThat(ran).containsExactly("dispatcher", "worker executors", "driver");
	}

	@Test
	void failingStepsAreLoggedAndTheFollowingStepsStillRun(CapturedOutput output) {
		List<String> ran = new CopyOnWriteArrayList<>();
		ShutdownSequence sequence = new ShutdownSequence().then("dispatcher", () -> {
			ran.add("dispatcher");
			throw new java.io.IOException("dispatcher broke");
		}).then("worker executors", () -> {
			ran.add("worker executors");
			throw new NoClassDefFoundError("some/Missing");
		}).then("driver", () -> {
			ran.add("driver");
			throw new IllegalStateException("driver broke");
		}).then("metrics", () -> ran.add("metrics"));

		assertThat(sequence.run()).isEqualTo(3);

		assertThat(ran).containsExactly("dispatcher", "worker executors", "driver", "metrics");
		assertThat(output).contains("AsyncTasQ shutdown: closing dispatcher failed; continuing with the next step")
			.contains("java.io.IOException: dispatcher broke")
			.contains("AsyncTasQ shutdown: closing worker executors failed")
			.contains("java.lang.NoClassDefFoundError: some/Missing")
			.contains("AsyncTasQ shutdown: closing driver failed")
			.contains("java.lang.IllegalStateException: driver broke");
	}

}
