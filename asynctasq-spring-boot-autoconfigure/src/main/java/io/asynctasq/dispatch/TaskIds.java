package io.asynctasq.dispatch;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Task ids: time-ordered UUIDs (version 7: 48 bits of epoch milliseconds, then random bits), so ids
 * of tasks dispatched close together sort and index close together. Ids identify tasks; they are not
 * secrets, so the random bits come from {@link ThreadLocalRandom}, which does not contend.
 */
public final class TaskIds {

	private TaskIds() {
	}

	public static String next() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long millis = System.currentTimeMillis();
		long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
		long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(high, low).toString();
	}

}
