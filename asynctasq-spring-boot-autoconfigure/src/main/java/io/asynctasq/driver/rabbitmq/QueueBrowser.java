package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;

/**
 * Reads a queue without consuming it: {@code basic.get} without acknowledging, then every message not taken is
 * given back, in order, with one multiple {@code basic.nack}. What another channel holds unacknowledged
 * meanwhile (another process browsing the same queue) is not seen. Used for dead letters and worker heartbeats.
 */
final class QueueBrowser {

	private final Duration answerTimeout;

	/** @param answerTimeout how long a queue may take to count again what was given back */
	QueueBrowser(Duration answerTimeout) {
		this.answerTimeout = answerTimeout;
	}

	/** Reads up to {@code max} messages of {@code queue}, front first, and gives every one back. */
	List<GetResponse> browse(Channel channel, String queue, int max) throws IOException {
		List<GetResponse> read = new ArrayList<>();
		long lastTag = -1;
		long left = 0;
		try {
			while (read.size() < max) {
				GetResponse response = channel.basicGet(queue, false);
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
			awaitGivenBack(channel, queue, read.size() + left);
		}
		return read;
	}

	/**
	 * Takes the messages of {@code queue} that {@code taker} takes (only the first when {@code firstOnly}),
	 * acknowledging each once the taker returned; every other message read goes back, in order. Returns how
	 * many were taken.
	 */
	long take(Channel channel, String queue, Taker taker, boolean firstOnly) throws IOException {
		// every message taken and not moved goes back, in order, with one multiple nack
		long previous = -1;
		long current = -1;
		long givenBack = 0;
		long left = 0;
		long taken = 0;
		try {
			while (true) {
				GetResponse response = channel.basicGet(queue, false);
				if (response == null) {
					left = 0;
					break;
				}
				current = response.getEnvelope().getDeliveryTag();
				left = response.getMessageCount();
				if (taker.takes(response)) {
					channel.basicAck(current, false);
					current = -1;
					taken++;
					if (firstOnly) {
						break;
					}
					continue;
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
			awaitGivenBack(channel, queue, givenBack + left);
		}
		return taken;
	}

	/**
	 * Waits until a queue counts {@code expected} ready messages again after a give-back. A quorum queue turns
	 * the nack into requeue commands of its Raft log and answers counts from its applied state, so right after
	 * the nack the messages given back count as missing; a classic queue nearly always counts them at once, but
	 * not always yet for another connection (seen in CI). Polled with passive declares, one round trip each,
	 * until the count is reached or the answer timeout passed: another process reading or taking messages
	 * meanwhile may keep the count below it, which only ends the wait.
	 */
	private void awaitGivenBack(Channel channel, String queue, long expected) throws IOException {
		long deadline = System.nanoTime() + this.answerTimeout.toNanos();
		while (channel.queueDeclarePassive(queue).getMessageCount() < expected && System.nanoTime() - deadline < 0) {
			// the next passive declare is the pause
		}
	}

	/** Decides whether a message read is taken; may act on it first (publish it elsewhere). */
	@FunctionalInterface
	interface Taker {

		boolean takes(GetResponse response) throws IOException;

	}

}
