package io.asynctasq.driver;

import java.time.Instant;
import java.util.Objects;

/**
 * A task as a driver stores it: an id, its queue and an opaque body (the encoded task) the driver
 * never interprets, so a body it cannot decode still travels to the worker and its dead-letter queue.
 *
 * @param id task id, unique
 * @param queue queue name, valid per {@link QueueNames}
 * @param body the encoded task
 * @param enqueuedAt when it was first dispatched
 */
public record TaskMessage(String id, String queue, byte[] body, Instant enqueuedAt) {

	public TaskMessage {
		Objects.requireNonNull(id, "id");
		QueueNames.validate(queue);
		Objects.requireNonNull(body, "body");
		Objects.requireNonNull(enqueuedAt, "enqueuedAt");
	}

}
