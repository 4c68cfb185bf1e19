package io.asynctasq.driver.rabbitmq;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves messages on from the consumers' queues, on a thread of its own so the connection's thread never waits
 * for a confirm: a message whose delay level expired to the work queue when due or to the next level, a task
 * delivered before it is due back to a level, a foreign message to the dead-letter queue. Each is published
 * with a confirm and then acknowledged, or given back to the broker when the publish failed.
 */
final class DelayRouter implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(DelayRouter.class);

	private final RabbitTopology topology;

	private final TaskHeaders headers;

	private final ConfirmPublisher publisher;

	private final ExecutorService executor;

	private volatile boolean closed;

	DelayRouter(RabbitTopology topology, TaskHeaders headers, ConfirmPublisher publisher) {
		this.topology = topology;
		this.headers = headers;
		this.publisher = publisher;
		ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(runnable) -> {
					Thread thread = new Thread(runnable, "asynctasq-rabbitmq-router");
					thread.setDaemon(true);
					return thread;
				});
		executor.allowCoreThreadTimeOut(true);
		this.executor = executor;
	}

	/** A message of the due queue, its delay level expired: on to the work queue when due, else the next level. */
	void onDue(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
		if (this.closed) {
			return;
		}
		Long due = TaskHeaders.due(properties);
		// without a due time the work queue's consumer judges the message
		String next = (due != null) ? this.topology.routeFor(consumer.queue, due, System.currentTimeMillis())
				: consumer.workQueue;
		if (logger.isTraceEnabled()) {
			logger.trace("Due message {} on '{}' goes to '{}'", properties.getMessageId(), consumer.queue, next);
		}
		this.executor.execute(() -> forward(consumer, envelope.getDeliveryTag(), new Outgoing(next, properties, body),
				"route due"));
	}

	/**
	 * Sends a task delivered to the work queue before it is due (clock skew) back to a delay level;
	 * {@code false} when it is due.
	 */
	boolean holdBackEarly(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
		Long due = TaskHeaders.due(properties);
		if (due == null) {
			return false;
		}
		String next = this.topology.routeFor(consumer.queue, due, System.currentTimeMillis());
		if (next.equals(consumer.workQueue)) {
			return false;
		}
		this.executor.execute(() -> forward(consumer, envelope.getDeliveryTag(), new Outgoing(next, properties, body),
				"delay"));
		return true;
	}

	/** Moves a message of the work queue that is not a task to the dead-letter queue with {@code reason}. */
	void deadLetterForeign(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body,
			String reason) {
		this.executor.execute(() -> {
			Outgoing dead = this.headers.foreign(consumer.queue, properties, body, reason);
			logger.warn("Message {} on '{}' is not an AsyncTasQ task ({}); moved to '{}'",
					dead.properties().getMessageId(), consumer.workQueue, reason, dead.routingKey());
			forward(consumer, envelope.getDeliveryTag(), dead, "dead-letter");
		});
	}

	/** Stops routing; what was not routed yet goes back to the broker with the consumers' channels. */
	@Override
	public void close() {
		this.closed = true;
		this.executor.shutdown();
	}

	/** Publishes a delivery elsewhere and acknowledges it; on failure gives it back to the broker. */
	private void forward(QueueConsumer consumer, long deliveryTag, Outgoing next, String what) {
		if (consumer.lost || this.closed) {
			return;
		}
		try {
			this.publisher.publish(List.of(next));
		}
		catch (RuntimeException ex) {
			logger.warn("Could not {} message {} ({}); it goes back to '{}'", what, next.properties().getMessageId(),
					ex.getMessage(), consumer.workQueue);
			consumer.giveBack(deliveryTag);
			return;
		}
		consumer.acknowledgeForwarded(deliveryTag, what);
	}

}
