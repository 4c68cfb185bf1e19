package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.rabbitmq.client.GetResponse;
import io.asynctasq.driver.DeadLetter;

/**
 * Reads and changes a dead-letter queue on the admin channel: listing and retry read with {@code basic.get}
 * without acknowledging and give back what they do not take; purge is {@code queue.purge}. A classic queue
 * keeps its order, a quorum queue does not, so there a listing sorts up to 10,000 dead letters by when they
 * were made.
 */
final class DeadLetterBrowser {

	/** Dead letters read and sorted per listing of a quorum dead-letter queue. */
	private static final int MAX_DEAD_LETTERS_SORTED = 10_000;

	private final BrokerConnection broker;

	private final RabbitTopology topology;

	private final TaskHeaders headers;

	private final ConfirmPublisher publisher;

	DeadLetterBrowser(BrokerConnection broker, RabbitTopology topology, TaskHeaders headers,
			ConfirmPublisher publisher) {
		this.broker = broker;
		this.topology = topology;
		this.headers = headers;
		this.publisher = publisher;
	}

	List<DeadLetter> list(String queue, int offset, int limit) {
		this.broker.declare(queue);
		// a classic queue gives requeued messages back in place, so its order is the dead-letter order
		boolean inQueueOrder = this.topology.queueType() == RabbitQueueType.CLASSIC;
		int toRead = inQueueOrder ? offset + limit : MAX_DEAD_LETTERS_SORTED;
		return this.broker.admin((channel) -> {
			List<GetResponse> read = new ArrayList<>();
			long lastTag = -1;
			try {
				while (read.size() < toRead) {
					GetResponse response = channel.basicGet(this.topology.deadLetterQueue(queue), false);
					if (response == null) {
						break;
					}
					lastTag = response.getEnvelope().getDeliveryTag();
					read.add(response);
				}
			}
			finally {
				if (lastTag >= 0) {
					channel.basicNack(lastTag, true, true);
				}
			}
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
		this.broker.declare(queue);
		return this.broker.admin((channel) -> {
			// every message taken and not moved goes back, in order, with one multiple nack
			long previous = -1;
			long current = -1;
			try {
				while (true) {
					GetResponse response = channel.basicGet(this.topology.deadLetterQueue(queue), false);
					if (response == null) {
						return false;
					}
					current = response.getEnvelope().getDeliveryTag();
					if (taskId.equals(response.getProps().getMessageId())) {
						DeadLetter dead = TaskHeaders.deadLetter(queue, response);
						this.publisher.publish(List.of(this.headers.task(dead.message(), 0, Duration.ZERO,
								System.currentTimeMillis())));
						channel.basicAck(current, false);
						current = -1;
						return true;
					}
					previous = current;
					current = -1;
				}
			}
			finally {
				long upTo = (current >= 0) ? current : previous;
				if (upTo >= 0) {
					channel.basicNack(upTo, true, true);
				}
			}
		});
	}

	long purge(String queue) {
		this.broker.declare(queue);
		return this.broker.admin((channel) -> (long) channel.queuePurge(this.topology.deadLetterQueue(queue))
			.getMessageCount());
	}

}
