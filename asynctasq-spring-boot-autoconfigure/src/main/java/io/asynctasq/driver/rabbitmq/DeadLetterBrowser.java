package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.asynctasq.driver.DeadLetter;

/**
 * Reads and changes a dead-letter queue on the admin channel: listing and retry read with {@code basic.get}
 * without acknowledging and give back what they do not take ({@link QueueBrowser}); purge is {@code queue.purge}.
 * A classic queue keeps its order, a quorum queue does not (it requeues at the back), so there a listing sorts
 * up to 10,000 dead letters by when they were made, and returns only once the queue counts what it gave back.
 */
final class DeadLetterBrowser {

	/** Dead letters read and sorted per listing of a quorum dead-letter queue. */
	private static final int MAX_DEAD_LETTERS_SORTED = 10_000;

	private final BrokerConnection broker;

	private final RabbitTopology topology;

	private final TaskHeaders headers;

	private final ConfirmPublisher publisher;

	private final QueueBrowser browser;

	/** @param answerTimeout how long a quorum queue may take to count again what was given back */
	DeadLetterBrowser(BrokerConnection broker, RabbitTopology topology, TaskHeaders headers,
			ConfirmPublisher publisher, Duration answerTimeout) {
		this.broker = broker;
		this.topology = topology;
		this.headers = headers;
		this.publisher = publisher;
		this.browser = new QueueBrowser(answerTimeout);
	}

	List<DeadLetter> list(String queue, int offset, int limit) {
		this.broker.declare(queue);
		// a classic queue gives requeued messages back in place, so its order is the dead-letter order
		boolean inQueueOrder = this.topology.queueType() == RabbitQueueType.CLASSIC;
		int toRead = inQueueOrder ? offset + limit : MAX_DEAD_LETTERS_SORTED;
		String deadLetterQueue = this.topology.deadLetterQueue(queue);
		return this.broker.admin((channel) -> {
			List<GetResponse> read = new ArrayList<>(this.browser.browse(channel, deadLetterQueue, toRead));
			if (!inQueueOrder) {
				read.sort(TaskHeaders.DEAD_LETTER_ORDER_FIRST);
			}
			return read.stream()
				.skip(offset)
				.limit(limit)
				.map((response) -> TaskHeaders.deadLetter(queue, response))
				.toList();
		});
	}

	/** Moves the dead letter {@code taskId} back to its work queue, attempts reset. */
	boolean retry(String queue, String taskId) {
		return take(queue, taskId, true);
	}

	/** Deletes the dead letter {@code taskId} of {@code queue}; {@code false} when there is none. */
	boolean delete(String queue, String taskId) {
		return take(queue, taskId, false);
	}

	/**
	 * Takes the dead letter {@code taskId} off the dead-letter queue, publishing it to its work queue first when
	 * {@code requeue}; every message taken before it goes back, in order.
	 */
	private boolean take(String queue, String taskId, boolean requeue) {
		this.broker.declare(queue);
		String deadLetterQueue = this.topology.deadLetterQueue(queue);
		return this.broker.admin((channel) -> this.browser.take(channel, deadLetterQueue, (response) -> {
			if (!taskId.equals(response.getProps().getMessageId())) {
				return false;
			}
			if (requeue) {
				DeadLetter dead = TaskHeaders.deadLetter(queue, response);
				this.publisher.publish(
						List.of(this.headers.task(dead.message(), 0, Duration.ZERO, System.currentTimeMillis())));
			}
			return true;
		}, true) > 0);
	}

	long purge(String queue) {
		this.broker.declare(queue);
		return this.broker.admin((channel) -> (long) channel.queuePurge(this.topology.deadLetterQueue(queue))
			.getMessageCount());
	}

}
