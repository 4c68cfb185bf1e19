package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.TaskMessage;
import org.jspecify.annotations.Nullable;

/**
 * A task's metadata in its message's headers: the names, what is published for a task, a dead letter or a
 * foreign message (one that is not ours), and what a delivery or a dead letter read back says.
 */
final class TaskHeaders {

	static final String QUEUE = "asynctasq-queue";

	static final String ENQUEUED_AT = "asynctasq-enqueued-at";

	static final String ATTEMPTS = "asynctasq-attempts";

	static final String DUE = "asynctasq-due";

	static final String REASON = "asynctasq-reason";

	static final String ERROR_CLASS = "asynctasq-error-class";

	static final String ERROR_MESSAGE = "asynctasq-error-message";

	static final String STACK_TRACE = "asynctasq-stack-trace";

	static final String DEAD_LETTERED_AT = "asynctasq-dead-lettered-at";

	static final String DEAD_LETTER_ORDER = "asynctasq-dead-letter-order";

	/** Dead letters by when they were made, oldest first. */
	static final Comparator<GetResponse> DEAD_LETTER_ORDER_FIRST = Comparator.comparingLong(TaskHeaders::deadLetterOrder);

	private final RabbitTopology topology;

	/** The per-message expiration of every dead letter, in milliseconds, or {@code null}: kept for good. */
	private final @Nullable String deadLetterExpiration;

	/** The last dead-letter order handed out, in microseconds. */
	private final AtomicLong deadLetterOrder = new AtomicLong();

	/** @param deadLetterRetention how long the broker keeps a dead letter; {@code null}: for good */
	TaskHeaders(RabbitTopology topology, @Nullable Duration deadLetterRetention) {
		this.topology = topology;
		this.deadLetterExpiration = (deadLetterRetention != null)
				? Long.toString(Math.max(1, deadLetterRetention.toMillis())) : null;
	}

	/**
	 * A task with {@code attemptsMade}, for its work queue, or for the delay levels with its due time when
	 * {@code delay} is positive.
	 */
	Outgoing task(TaskMessage message, long attemptsMade, Duration delay, long now) {
		Map<String, Object> headers = taskHeaders(message, attemptsMade);
		String routingKey = this.topology.workQueue(message.queue());
		if (!delay.isZero()) {
			long due = now + delay.toMillis();
			headers.put(DUE, due);
			routingKey = this.topology.routeFor(message.queue(), due, now);
		}
		return new Outgoing(routingKey, properties(message.id(), message.enqueuedAt(), headers), message.body());
	}

	/**
	 * A reserved task for its dead-letter queue, with {@code attemptsMade} and why, expiring after the
	 * dead-letter retention when there is one.
	 */
	Outgoing deadLetter(TaskMessage message, long attemptsMade, DeadLetter.Failure failure) {
		Map<String, Object> headers = taskHeaders(message, attemptsMade);
		putFailure(headers, failure);
		AMQP.BasicProperties properties = properties(message.id(), message.enqueuedAt(), headers);
		if (this.deadLetterExpiration != null) {
			properties = properties.builder().expiration(this.deadLetterExpiration).build();
		}
		return new Outgoing(this.topology.deadLetterQueue(message.queue()), properties, message.body());
	}

	/**
	 * A foreign message of {@code queue}'s work queue for its dead-letter queue with {@code reason}: its
	 * properties and headers kept, our headers set, a message id made up when it has none, and the dead-letter
	 * expiration when there is one.
	 */
	Outgoing foreign(String queue, AMQP.BasicProperties properties, byte[] body, String reason) {
		Map<String, Object> headers = new HashMap<>(headers(properties));
		String id = (properties.getMessageId() != null && !properties.getMessageId().isBlank())
				? properties.getMessageId() : UUID.randomUUID().toString();
		headers.put(QUEUE, queue);
		if (wholeNumber(headers.get(ENQUEUED_AT)) == null) {
			headers.put(ENQUEUED_AT, System.currentTimeMillis());
		}
		headers.put(ATTEMPTS, 0);
		headers.remove(DUE);
		putFailure(headers, DeadLetter.Failure.of(reason));
		AMQP.BasicProperties.Builder dead = properties.builder().messageId(id).deliveryMode(2).headers(headers);
		if (this.deadLetterExpiration != null) {
			dead.expiration(this.deadLetterExpiration);
		}
		return new Outgoing(this.topology.deadLetterQueue(queue), dead.build(), body);
	}

	/**
	 * Why a delivery of {@code queue}'s work queue is not one of its tasks (no message id, metadata headers
	 * missing, of another queue or not whole numbers), or {@code null} when it is one.
	 */
	static @Nullable String foreignProblem(String queue, AMQP.BasicProperties properties) {
		Map<String, Object> headers = headers(properties);
		String id = properties.getMessageId();
		Object queueHeader = headers.get(QUEUE);
		Object due = headers.get(DUE);
		if (id == null || id.isBlank()) {
			return "no message-id";
		}
		if (queueHeader == null || !queue.equals(queueHeader.toString())) {
			return "header " + QUEUE + " is " + ((queueHeader != null) ? "'" + queueHeader + "'" : "missing");
		}
		if (wholeNumber(headers.get(ENQUEUED_AT)) == null || wholeNumber(headers.get(ATTEMPTS)) == null
				|| (due != null && wholeNumber(due) == null)) {
			return "headers " + ENQUEUED_AT + " / " + ATTEMPTS + " / " + DUE + " missing or not whole numbers";
		}
		return null;
	}

	/** The task a delivery of {@code queue} holds; only for one that is not foreign. */
	static TaskMessage message(String queue, AMQP.BasicProperties properties, byte[] body) {
		long enqueuedAt = wholeNumber(headers(properties).get(ENQUEUED_AT));
		return new TaskMessage(properties.getMessageId(), queue, body, Instant.ofEpochMilli(enqueuedAt));
	}

	/** The attempts made, as stored (possibly out of range); only for a delivery that is not foreign. */
	static long attemptsMade(AMQP.BasicProperties properties) {
		return wholeNumber(headers(properties).get(ATTEMPTS));
	}

	/** When a delayed message is due, or {@code null} when it has no due time that is a whole number. */
	static @Nullable Long due(AMQP.BasicProperties properties) {
		return wholeNumber(headers(properties).get(DUE));
	}

	/** The dead letter a message of {@code queue}'s dead-letter queue holds, whatever its headers. */
	static DeadLetter deadLetter(String queue, GetResponse response) {
		AMQP.BasicProperties properties = response.getProps();
		Map<String, Object> headers = headers(properties);
		Instant enqueuedAt = instant(headers.get(ENQUEUED_AT));
		Instant deadLetteredAt = instant(headers.get(DEAD_LETTERED_AT));
		String id = (properties.getMessageId() != null) ? properties.getMessageId()
				: "delivery-" + response.getEnvelope().getDeliveryTag();
		Long attempts = wholeNumber(headers.get(ATTEMPTS));
		DeadLetter.Failure failure = new DeadLetter.Failure(text(headers.get(REASON)), text(headers.get(ERROR_CLASS)),
				text(headers.get(ERROR_MESSAGE)), text(headers.get(STACK_TRACE)));
		// a corrupt counter is listed as stored, clamped to the int range
		int attemptsMade = (attempts != null)
				? (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, attempts)) : 0;
		return new DeadLetter(new TaskMessage(id, queue, response.getBody(), enqueuedAt), attemptsMade, failure,
				deadLetteredAt);
	}

	private static Map<String, Object> taskHeaders(TaskMessage message, long attemptsMade) {
		Map<String, Object> headers = new HashMap<>();
		headers.put(QUEUE, message.queue());
		headers.put(ENQUEUED_AT, message.enqueuedAt().toEpochMilli());
		headers.put(ATTEMPTS, attemptsMade);
		return headers;
	}

	private static AMQP.BasicProperties properties(String id, Instant enqueuedAt, Map<String, Object> headers) {
		return new AMQP.BasicProperties.Builder().messageId(id)
			.deliveryMode(2)
			.contentType("application/octet-stream")
			.timestamp(Date.from(enqueuedAt))
			.headers(headers)
			.build();
	}

	private void putFailure(Map<String, Object> headers, DeadLetter.Failure failure) {
		Instant now = Instant.now();
		headers.put(DEAD_LETTERED_AT, now.toEpochMilli());
		long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
		headers.put(DEAD_LETTER_ORDER,
				this.deadLetterOrder.accumulateAndGet(micros, (previous, candidate) -> Math.max(previous + 1, candidate)));
		putText(headers, REASON, failure.reason());
		putText(headers, ERROR_CLASS, failure.errorClass());
		putText(headers, ERROR_MESSAGE, failure.errorMessage());
		putText(headers, STACK_TRACE, failure.stackTrace());
	}

	/** Puts a failure text as it is: {@link DeadLetter.Failure} already capped it well within a header frame. */
	private static void putText(Map<String, Object> headers, String name, @Nullable String value) {
		if (value != null) {
			headers.put(name, value);
		}
	}

	/** When a dead letter was made, in microseconds, strictly increasing within one driver. */
	private static long deadLetterOrder(GetResponse response) {
		Map<String, Object> headers = headers(response.getProps());
		if (headers.get(DEAD_LETTER_ORDER) instanceof Number number) {
			return number.longValue();
		}
		return (headers.get(DEAD_LETTERED_AT) instanceof Number number) ? number.longValue() * 1_000 : 0;
	}

	private static Map<String, Object> headers(AMQP.BasicProperties properties) {
		return (properties.getHeaders() != null) ? properties.getHeaders() : Map.of();
	}

	private static @Nullable String text(@Nullable Object value) {
		return (value != null) ? value.toString() : null;
	}

	private static Instant instant(@Nullable Object value) {
		Long millis = wholeNumber(value);
		return (millis != null) ? Instant.ofEpochMilli(millis) : Instant.EPOCH;
	}

	/**
	 * A header holding a whole number (AMQP byte, short, int or long) as a long, else {@code null}: no
	 * fraction, string or other shape is taken for a counter or a time.
	 */
	private static @Nullable Long wholeNumber(@Nullable Object value) {
		if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
			return ((Number) value).longValue();
		}
		return null;
	}

}
