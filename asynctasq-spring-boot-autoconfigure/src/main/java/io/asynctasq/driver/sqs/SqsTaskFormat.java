package io.asynctasq.driver.sqs;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.TaskMessage;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * How a task travels as an SQS message: the body is the task's bytes (as text when they are text SQS accepts,
 * else Base64), and message attributes carry the id, the dispatch time, the attempts made before this copy was
 * sent, the due time of a delay longer than SQS holds, and for a dead letter why it failed. A message is checked
 * against the size limit before anything is sent.
 */
final class SqsTaskFormat {

	static final String ID = "asynctasq-id";

	static final String ENQUEUED_AT = "asynctasq-enqueued-at";

	static final String ATTEMPTS = "asynctasq-attempts";

	static final String DUE_AT = "asynctasq-due-at";

	static final String BODY = "asynctasq-body";

	static final String REASON = "asynctasq-reason";

	static final String ERROR_CLASS = "asynctasq-error-class";

	static final String ERROR_MESSAGE = "asynctasq-error-message";

	static final String STACK_TRACE = "asynctasq-stack-trace";

	static final String DEAD_LETTERED_AT = "asynctasq-dead-lettered-at";

	private static final String TEXT = "text";

	private static final String BASE64 = "base64";

	private static final String EMPTY = "empty";

	private final int maxMessageSize;

	private final Duration maxDelay;

	/**
	 * @param maxMessageSize the largest message SQS takes, body and attributes, in bytes
	 * @param maxDelay the longest {@code DelaySeconds} SQS takes (15 minutes); a longer delay is sent as this one
	 * with its due time, and sent again until it is due
	 */
	SqsTaskFormat(int maxMessageSize, Duration maxDelay) {
		this.maxMessageSize = maxMessageSize;
		this.maxDelay = maxDelay;
	}

	Duration maxDelay() {
		return this.maxDelay;
	}

	/**
	 * The batch entry that sends {@code message} with {@code attemptsMade} attempts behind it, visible after
	 * {@code delay} (rounded up to whole seconds, so never early).
	 * @throws IllegalArgumentException when the message is larger than SQS takes
	 */
	SendMessageBatchRequestEntry task(String entryId, TaskMessage message, long attemptsMade, Duration delay) {
		Map<String, MessageAttributeValue> attributes = new HashMap<>();
		attributes.put(ID, text(message.id()));
		attributes.put(ENQUEUED_AT, number(message.enqueuedAt().toEpochMilli()));
		attributes.put(ATTEMPTS, number(attemptsMade));
		int delaySeconds = delaySeconds(delay);
		if (delay.compareTo(this.maxDelay) > 0) {
			attributes.put(DUE_AT, number(System.currentTimeMillis() + delay.toMillis()));
		}
		return entry(entryId, message, attributes, delaySeconds);
	}

	/** The entry that sends {@code message} to its dead-letter queue with why. */
	SendMessageBatchRequestEntry deadLetter(String entryId, TaskMessage message, int attempts,
			DeadLetter.Failure failure) {
		Map<String, MessageAttributeValue> attributes = new HashMap<>();
		attributes.put(ID, text(message.id()));
		attributes.put(ENQUEUED_AT, number(message.enqueuedAt().toEpochMilli()));
		attributes.put(ATTEMPTS, number(attempts));
		attributes.put(DEAD_LETTERED_AT, number(System.currentTimeMillis()));
		attributes.put(REASON, text(failure.reason()));
		putIfText(attributes, ERROR_CLASS, failure.errorClass());
		putIfText(attributes, ERROR_MESSAGE, failure.errorMessage());
		putIfText(attributes, STACK_TRACE, failure.stackTrace());
		try {
			return entry(entryId, message, attributes, 0);
		}
		catch (IllegalArgumentException tooLarge) {
			if (failure.errorMessage() == null && failure.stackTrace() == null) {
				throw tooLarge;
			}
			// the task fitted once: what does not fit is the error's text
			return deadLetter(entryId, message, attempts, failure.withoutDetails());
		}
	}

	/** {@code delay} in the whole seconds SQS takes, rounded up and capped at the longest delay it holds. */
	int delaySeconds(Duration delay) {
		return (int) Math.min(ceilSeconds(delay), this.maxDelay.toSeconds());
	}

	static long ceilSeconds(Duration duration) {
		long seconds = duration.getSeconds();
		return (duration.getNano() > 0) ? seconds + 1 : seconds;
	}

	private SendMessageBatchRequestEntry entry(String entryId, TaskMessage message,
			Map<String, MessageAttributeValue> attributes, int delaySeconds) {
		String body = encodeBody(message.body(), attributes);
		long size = body.getBytes(StandardCharsets.UTF_8).length;
		for (Map.Entry<String, MessageAttributeValue> attribute : attributes.entrySet()) {
			size += attribute.getKey().length() + attribute.getValue().dataType().length()
					+ attribute.getValue().stringValue().getBytes(StandardCharsets.UTF_8).length;
		}
		if (size > this.maxMessageSize) {
			throw new IllegalArgumentException("Task " + message.id() + " for queue '" + message.queue() + "' is "
					+ size + " bytes as an SQS message, over the SQS limit of " + this.maxMessageSize
					+ " bytes (asynctasq.sqs.max-message-size): pass a reference to the data (an id, an S3 key) "
					+ "instead of the data");
		}
		return SendMessageBatchRequestEntry.builder()
			.id(entryId)
			.messageBody(body)
			.delaySeconds(delaySeconds)
			.messageAttributes(attributes)
			.build();
	}

	private static String encodeBody(byte[] body, Map<String, MessageAttributeValue> attributes) {
		if (body.length == 0) {
			attributes.put(BODY, text(EMPTY));
			return "-";
		}
		String text = sqsText(body);
		if (text != null) {
			attributes.put(BODY, text(TEXT));
			return text;
		}
		attributes.put(BODY, text(BASE64));
		return Base64.getEncoder().encodeToString(body);
	}

	/** {@code body} as text when it is UTF-8 made only of the characters SQS accepts in a message, else null. */
	private static @Nullable String sqsText(byte[] body) {
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			boolean allowed = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF)
					|| Character.isSurrogate(c) || (c >= 0xE000 && c <= 0xFFFD);
			if (!allowed) {
				return null;
			}
		}
		return text;
	}

	/** A received message as the task it carries, with what its attributes say. */
	Received read(String queue, Message message) {
		Map<String, MessageAttributeValue> attributes = message.messageAttributes();
		String id = stringAttribute(attributes, ID);
		long sentAt = parseLong(message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP), System.currentTimeMillis());
		long enqueuedAt = parseLong(stringAttribute(attributes, ENQUEUED_AT), sentAt);
		long storedAttempts = parseLong(stringAttribute(attributes, ATTEMPTS), 0);
		long receives = parseLong(message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT), 1);
		String dueAt = stringAttribute(attributes, DUE_AT);
		TaskMessage task = new TaskMessage((id != null) ? id : message.messageId(), queue,
				decodeBody(message.body(), stringAttribute(attributes, BODY)), Instant.ofEpochMilli(enqueuedAt));
		return new Received(task, storedAttempts, Math.max(0, receives - 1),
				(dueAt != null) ? parseLong(dueAt, 0) : 0, message.receiptHandle(), sentAt);
	}

	/** A message of a dead-letter queue as the dead letter it carries. */
	DeadLetter readDeadLetter(String queue, Message message) {
		Received received = read(queue, message);
		Map<String, MessageAttributeValue> attributes = message.messageAttributes();
		long deadLetteredAt = parseLong(stringAttribute(attributes, DEAD_LETTERED_AT), received.sentAt());
		String reason = stringAttribute(attributes, REASON);
		DeadLetter.Failure failure = new DeadLetter.Failure((reason != null) ? reason : "failed",
				stringAttribute(attributes, ERROR_CLASS), stringAttribute(attributes, ERROR_MESSAGE),
				stringAttribute(attributes, STACK_TRACE));
		int attempts = (int) Math.max(0, Math.min(Integer.MAX_VALUE, received.storedAttempts()));
		return new DeadLetter(received.message(), attempts, failure, Instant.ofEpochMilli(deadLetteredAt));
	}

	private static byte[] decodeBody(String body, @Nullable String encoding) {
		if (EMPTY.equals(encoding)) {
			return new byte[0];
		}
		if (BASE64.equals(encoding)) {
			try {
				return Base64.getDecoder().decode(body);
			}
			catch (IllegalArgumentException ex) {
				// not ours after all: the worker dead-letters what it cannot decode
			}
		}
		return body.getBytes(StandardCharsets.UTF_8);
	}

	private static @Nullable String stringAttribute(Map<String, MessageAttributeValue> attributes, String name) {
		MessageAttributeValue value = attributes.get(name);
		return (value != null) ? value.stringValue() : null;
	}

	private static long parseLong(@Nullable String value, long fallback) {
		if (value == null) {
			return fallback;
		}
		try {
			return Long.parseLong(value.trim());
		}
		catch (NumberFormatException ex) {
			return Long.MIN_VALUE;
		}
	}

	private static void putIfText(Map<String, MessageAttributeValue> attributes, String name, @Nullable String value) {
		if (value != null && !value.isEmpty()) {
			attributes.put(name, text(value));
		}
	}

	private static MessageAttributeValue text(String value) {
		return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
	}

	private static MessageAttributeValue number(long value) {
		return MessageAttributeValue.builder().dataType("Number").stringValue(Long.toString(value)).build();
	}

	/**
	 * A task as received.
	 *
	 * @param message the task
	 * @param storedAttempts the attempts made before this copy was sent ({@link Long#MIN_VALUE}: unreadable)
	 * @param earlierReceives the receives of this copy before this one (leases that expired)
	 * @param dueAtMillis when a delay longer than SQS holds ends, or 0
	 * @param receiptHandle the handle of this receive
	 * @param sentAt when SQS accepted this copy
	 */
	record Received(TaskMessage message, long storedAttempts, long earlierReceives, long dueAtMillis,
			String receiptHandle, long sentAt) {

		/** The attempts made before the one this receive starts; out of range when a counter was unreadable. */
		long attemptsMade() {
			return (this.storedAttempts == Long.MIN_VALUE) ? -1 : this.storedAttempts + this.earlierReceives;
		}

	}

}
