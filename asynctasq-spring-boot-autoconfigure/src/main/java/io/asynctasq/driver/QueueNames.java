package io.asynctasq.driver;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Queue names reach Redis keys, SQL and broker names, so only a safe alphabet is accepted:
 * letters, digits, {@code - _ .}, 1 to 80 characters, starting with a letter or digit.
 */
public final class QueueNames {

	private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");

	/** Names already validated; queues are few, so checking them once saves a regex per message. */
	private static final Set<String> known = ConcurrentHashMap.newKeySet();

	private static final int MAX_KNOWN = 10_000;

	private QueueNames() {
	}

	/**
	 * Returns {@code queue} when valid.
	 * @throws IllegalArgumentException naming the queue and the accepted form
	 */
	public static String validate(String queue) {
		if (queue != null && known.contains(queue)) {
			return queue;
		}
		if (queue == null || !VALID.matcher(queue).matches()) {
			throw new IllegalArgumentException("Invalid queue name '" + queue + "': use 1 to 80 letters, digits, "
					+ "'-', '_' or '.', starting with a letter or digit");
		}
		if (known.size() < MAX_KNOWN) {
			known.add(queue);
		}
		return queue;
	}

}
