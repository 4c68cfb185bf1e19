package io.asynctasq.dispatch;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TaskIdsTests {

	@Test
	void idsAreUniqueVersion7UuidsWithTheCurrentTimeInFront() {
		long before = System.currentTimeMillis();
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < 100_000; i++) {
			ids.add(TaskIds.next());
		}
		long after = System.currentTimeMillis();
		assertThat(ids).hasSize(100_000);
		UUID uuid = UUID.fromString(ids.iterator().next());
		assertThat(uuid.version()).isEqualTo(7);
		assertThat(uuid.variant()).isEqualTo(2);
		assertThat(uuid.getMostSignificantBits() >>> 16).isBetween(before, after);
	}

	@Test
	void idsOfLaterMillisecondsSortAfterEarlierOnes() {
		String first = TaskIds.next();
		long millis = System.currentTimeMillis();
		await().until(() -> System.currentTimeMillis() > millis);
		assertThat(TaskIds.next()).isGreaterThan(first);
	}

}
