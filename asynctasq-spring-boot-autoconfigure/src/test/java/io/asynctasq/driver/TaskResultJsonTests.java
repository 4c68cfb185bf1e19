package io.asynctasq.driver;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The one text form of a task result. */
class TaskResultJsonTests {

	private static final Instant STARTED = Instant.parse("2026-12-03T13:00:00.123456789Z");

	@Test
	void writesEveryFieldAndLeavesOutTheAbsentOnes() {
		TaskResult result = new TaskResult("id-1", "invoices.send", "mail", TaskResult.Outcome.SUCCEEDED, 2, STARTED,
				STARTED.plusMillis(40), "{\"sent\":true}", null, null);

		String json = TaskResultJson.write(result);

		assertThat(json).isEqualTo("{\"v\":1,\"taskId\":\"id-1\",\"taskName\":\"invoices.send\",\"queue\":\"mail\","
				+ "\"outcome\":\"SUCCEEDED\",\"attempts\":2,\"startedAt\":\"2026-12-03T13:00:00.123456789Z\","
				+ "\"finishedAt\":\"2026-12-03T13:00:00.163456789Z\",\"valueJson\":\"{\\\"sent\\\":true}\"}");
		assertThat(TaskResultJson.read(json)).isEqualTo(result);
	}

	@Test
	void readsBackAFailureWithItsError() {
		TaskResult result = new TaskResult("id-2", "t", "q", TaskResult.Outcome.DEAD_LETTERED, 3, STARTED, STARTED,
				null, IllegalStateException.class.getName(), "line 1\nline \"2\" \u00fc");

		assertThat(TaskResultJson.read(TaskResultJson.write(result))).isEqualTo(result);
	}

	@Test
	void somethingElseIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> TaskResultJson.read("not json"));
		assertThatIllegalArgumentException().isThrownBy(() -> TaskResultJson.read("[1]"));
		assertThatIllegalArgumentException().isThrownBy(() -> TaskResultJson.read("{\"v\":2}"));
		assertThatIllegalArgumentException().isThrownBy(() -> TaskResultJson.read("{\"v\":1,\"taskId\":\"x\"}"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> TaskResultJson.read("{\"v\":1,\"taskId\":\"x\",\"taskName\":\"t\",\"queue\":\"q\","
					+ "\"outcome\":\"LOST\",\"attempts\":1,\"startedAt\":\"2026-12-03T13:00:00Z\","
					+ "\"finishedAt\":\"2026-12-03T13:00:00Z\"}"));
	}

}
