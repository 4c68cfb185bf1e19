package io.asynctasq.driver;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The JSON form of a worker heartbeat. */
class HeartbeatJsonTests {

	private final WorkerHeartbeat heartbeat = new WorkerHeartbeat("worker-1", "host \"a\"", 42L,
			List.of("high", "default"), 8, 3, 1000L, 7L, Instant.parse("2026-12-03T10:00:00.123456Z"),
			Instant.parse("2026-12-03T10:05:00Z"), "1.0.0");

	@Test
	void roundTrip() {
		assertThat(HeartbeatJson.fromJson(HeartbeatJson.toJson(this.heartbeat))).isEqualTo(this.heartbeat);
	}

	@Test
	void unknownFieldsAreIgnored() {
		String json = HeartbeatJson.toJson(this.heartbeat).replace("{\"v\":1,", "{\"v\":1,\"newer\":{\"a\":[1]},");
		assertThat(HeartbeatJson.fromJson(json)).isEqualTo(this.heartbeat);
	}

	@Test
	void unreadableHeartbeatIsRefusedOrSkipped() {
		assertThatIllegalArgumentException().isThrownBy(() -> HeartbeatJson.fromJson("not json"));
		assertThatIllegalArgumentException().isThrownBy(() -> HeartbeatJson.fromJson("[1]"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> HeartbeatJson.fromJson(HeartbeatJson.toJson(this.heartbeat).replace("\"pid\":42", "\"pid\":\"x\"")))
			.withMessageContaining("pid");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> HeartbeatJson.fromJson(HeartbeatJson.toJson(this.heartbeat).replace("2026-12-03T10:05:00Z", "later")));
		assertThat(HeartbeatJson.read("{}", "of the test")).isEmpty();
		assertThat(HeartbeatJson.read(HeartbeatJson.toJson(this.heartbeat), "of the test")).contains(this.heartbeat);
	}

}
