package io.asynctasq.driver.sqs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The SQS queue names of a prefix: {@code <prefix>q-<queue>} for a queue's tasks, {@code <prefix>d-<queue>} for
 * its dead letters and {@code <prefix>w-<hash>} for a worker's heartbeat. SQS names take letters, digits,
 * {@code -} and {@code _} only, up to 80 characters, so a queue's {@code .} and {@code _} are escaped (one
 * name, one SQS name) and a name too long is shortened with a hash of it.
 */
final class SqsNames {

	/** The longest SQS queue name. */
	static final int MAX_LENGTH = 80;

	private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]{0,40}");

	private final String prefix;

	SqsNames(String prefix) {
		if (!PREFIX.matcher(prefix).matches()) {
			throw new IllegalArgumentException("Invalid asynctasq.sqs.queue-name-prefix '" + prefix
					+ "': use up to 40 letters, digits, '-' or '_'");
		}
		this.prefix = prefix;
	}

	String prefix() {
		return this.prefix;
	}

	/**
	 * The SQS name of {@code queue}'s work queue.
	 * @throws IllegalArgumentException for a FIFO name ({@code .fifo}): see {@link #refuseFifo(String)}
	 */
	String workQueue(String queue) {
		refuseFifo(queue);
		return fit(this.prefix + "q-" + escape(queue));
	}

	String deadLetterQueue(String queue) {
		refuseFifo(queue);
		return fit(this.prefix + "d-" + escape(queue));
	}

	/** The name of the queue whose tags hold {@code workerId}'s heartbeat. */
	String workerQueue(String workerId) {
		return this.prefix + "w-" + hash(workerId).substring(0, 24);
	}

	/** What every worker queue name of this prefix starts with. */
	String workerQueuePrefix() {
		return this.prefix + "w-";
	}

	/**
	 * Refuses a FIFO queue: SQS FIFO queues take no per-message delay, which delayed dispatch, retries with
	 * back-off and postponed tasks need, and hold a message group in order behind its head, which retries
	 * would block.
	 */
	static void refuseFifo(String queue) {
		if (queue.toLowerCase(Locale.ROOT).endsWith(".fifo")) {
			throw new IllegalArgumentException("Queue '" + queue + "' is a FIFO name: the SQS driver serves standard "
					+ "queues only (SQS FIFO queues take no per-message delay, which delayed tasks and retries need). "
					+ "Use a name that does not end in '.fifo'.");
		}
	}

	/** {@code _} becomes {@code __} and {@code .} becomes {@code _d}: distinct names stay distinct. */
	private static String escape(String queue) {
		if (queue.indexOf('.') < 0 && queue.indexOf('_') < 0) {
			return queue;
		}
		StringBuilder escaped = new StringBuilder(queue.length() + 8);
		for (int i = 0; i < queue.length(); i++) {
			char c = queue.charAt(i);
			if (c == '_') {
				escaped.append("__");
			}
			else if (c == '.') {
				escaped.append("_d");
			}
			else {
				escaped.append(c);
			}
		}
		return escaped.toString();
	}

	private static String fit(String name) {
		if (name.length() <= MAX_LENGTH) {
			return name;
		}
		String hash = hash(name).substring(0, 16);
		return name.substring(0, MAX_LENGTH - hash.length() - 1) + "-" + hash;
	}

	private static String hash(String text) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
