package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.asynctasq.driver.DeadLetter;

/**
 * Reads and changes a dead-letter queue on the admin channel: listing and retry read with {@code basic.get}
 * without acknowledging and give back what they do not take; purge is {@code queue.purge}. A classic queue
 * keeps its order, a quorum queue does not (it requeues at the back), so there a listing sorts up to 10,000
 * dead letters by when they were made, and returns only once the queue counts what it gave back.
 */
final class DeadLetterBrowser {

	/** Dead letters read and sorted per listing of a quorum dead-letter queue. */
	private static final int MAX_DEAD_LETTERS_SORTED = 10_000;

	private final BrokerConnection broker;

	private final RabbitTopology topology;

	private final TaskHeaders headers;

	private final ConfirmPublisher publisher;

	private final Duration answerTimeout;

	/** @param answerTimeout how long a quorum queue may take to count again what was given back */
	DeadLetterBrowser(BrokerConnection broker, RabbitTopology topology, TaskHeaders headers,
			ConfirmPublisher publisher, Duration answerTimeout) {
		this.broker = broker;
		this.topology = topology;
		this.headers = headers;
		this.publisher = publisher;
		this.answerTimeout = answerTimeout;
	}

	List<DeadLetter> list(String queue, int offset, int limit) {
		this.broker.declare(queue);
		// a classic queue gives requeued messages back in place, so its order is the dead-letter order
		boolean inQueueOrder = this.topology.queueType() == RabbitQueueType.CLASSIC;
		int toRead = inQueueOrder ? offset + limit : MAX_DEAD_LETTERS_SORTED;
		String deadLetterQueue = this.topology.deadLetterQueue(queue);
		return this.broker.admin((channel) -> {
			List<GetResponse> read = new ArrayList<>();
			long lastTag = -1;
			long left = 0;
			try {
				while (read.size() < toRead) {
					GetResponse response = channel.basicGet(deadLetterQueue, false);
					if (response == null) {
						left = 0;
						break;
					}
					lastTag = response.getEnvelope().getDeliveryTag();
					left = response.getMessageCount();
					read.add(response);
				}
			}
			finally {
				if (lastTag >= 0) {
					channel.basicNack(lastTag, true, true);
				}
			}
			if (lastTag >= 0) {
				awaitGivenBack(channel, deadLetterQueue, read.size() + left);
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
		return this.broker.admin((channel) -> {
			// every message taken and not moved goes back, in order, with one multiple nack
			long previous = -1;
			long current = -1;
			long givenBack = 0;
			long left = 0;
			boolean found = false;
			try {
				while (true) {
					GetResponse response = channel.basicGet(deadLetterQueue, false);
					if (response == null) {
						break;
					}
					current = response.getEnvelope().getDeliveryTag();
					left = response.getMessageCount();
					if (taskId.equals(response.getProps().getMessageId())) {
						if (requeue) {
							DeadLetter dead = TaskHeaders.deadLetter(queue, response);
							this.publisher.publish(List.of(this.headers.task(dead.message(), 0, Duration.ZERO,
									System.currentTimeMillis())));
						}
						channel.basicAck(current, false);
						current = -1;
						found = true;
						break;
					}
					previous = current;
					current = -1;
					givenBack++;
				}
			}
			finally {
				long upTo = (current >= 0) ? current : previous;
				if (upTo >= 0) {
					channel.basicNack(upTo, true, true);
				}
			}
			if (givenBack > 0) {
				awaitGivenBack(channel, deadLetterQueue, givenBack + (found ? left : 0));
			}
			return found;
		});
	}

	/**
	 * Waits until a quorum queue counts {@code expected} ready messages again after a give-back. It turns the
	 * nack into requeue commands of its Raft log and answers counts from its applied state, so right after the
	 * nack the messages given back count as missing; a classic queue nearly always counts them at once. Polled with passive
	 * declares, one round trip each, until the count is reached or the answer timeout passed: another process
	 * reading or purging dead letters meanwhile may keep the count below it, which only ends the wait.
	 */
	private void awaitGivenBack(Channel channel, String deadLetterQueue, long expected) throws IOException {
		// a classic queue usually counts them at once, but not always yet for another connection (seen in CI)
		long deadline = System.nanoTime() + this.answerTimeout.toNanos();
		while (channel.queueDeclarePassive(deadLetterQueue).getMessageCount() < expected
				&& System.nanoTime() - deadline < 0) {
			// the next passive declare is the pause
		}
	}

	long purge(String queue) {
		this.broker.declare(queue);
		return this.broker.admin((channel) -> (long) channel.queuePurge(this.topology.deadLetterQueue(queue))
			.getMessageCount());
	}

}
