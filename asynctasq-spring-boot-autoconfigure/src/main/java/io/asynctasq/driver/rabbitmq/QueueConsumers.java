package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.asynctasq.driver.DriverException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push consumers of this process, one per task queue, started by the first reserve of the queue and again
 * after one was lost, with the lock over their buffers and the reservations and the condition reservers wait
 * on. Prefetch is the configured one, or the largest {@code max} asked for and at least 10.
 */
final class QueueConsumers {

	private static final int DEFAULT_MIN_PREFETCH = 10;

	private static final Logger logger = LoggerFactory.getLogger(QueueConsumers.class);

	/** Guards {@link #consumers}, every consumer's buffer and the {@link LeaseTable}. */
	final ReentrantLock lock = new ReentrantLock();

	/** Signalled on deliveries, releases, lost consumers and close. */
	final Condition changed = this.lock.newCondition();

	private final BrokerConnection broker;

	private final RabbitTopology topology;

	private final DelayRouter router;

	private final Duration answerTimeout;

	private final int prefetch;

	/** The live consumer of each task queue; guarded by {@link #lock}. */
	private final Map<String, QueueConsumer> consumers = new HashMap<>();

	/** Lets one thread at a time start a consumer (round trips, so outside {@link #lock}). */
	private final Object creation = new Object();

	private final AtomicLong generations = new AtomicLong();

	private final AtomicInteger largestMax = new AtomicInteger();

	/** Set under {@link #lock}, read anywhere. */
	private volatile boolean closed;

	/**
	 * @param answerTimeout how long a synchronisation waits for the broker's answer
	 * @param prefetch unacknowledged deliveries per consumer; 0 = the largest reserve max, at least 10
	 */
	QueueConsumers(BrokerConnection broker, RabbitTopology topology, DelayRouter router, Duration answerTimeout,
			int prefetch) {
		this.broker = broker;
		this.topology = topology;
		this.router = router;
		this.answerTimeout = answerTimeout;
		this.prefetch = Math.max(0, prefetch);
	}

	/** Notes that a reserve asks for {@code max} tasks, for the prefetch of consumers started from now on. */
	void asked(int max) {
		this.largestMax.accumulateAndGet(max, Math::max);
	}

	/** The live consumer of {@code queue}, started (its topology declared first) when there is none. */
	QueueConsumer consumer(String queue) {
		QueueConsumer existing = live(queue);
		if (existing != null) {
			return existing;
		}
		this.broker.declare(queue);
		synchronized (this.creation) {
			this.lock.lock();
			try {
				ensureOpen();
				existing = this.consumers.get(queue);
				if (existing != null && !existing.lost) {
					return existing;
				}
			}
			finally {
				this.lock.unlock();
			}
			return start(queue);
		}
	}

	/** The live consumer of {@code queue}, or {@code null} when none was started or it was lost. */
	@Nullable QueueConsumer live(String queue) {
		this.lock.lock();
		try {
			QueueConsumer existing = this.consumers.get(queue);
			return (existing != null && !existing.lost) ? existing : null;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** @throws IllegalStateException once closed */
	void ensureOpen() {
		if (this.closed) {
			throw new IllegalStateException("The RabbitMQ driver is closed");
		}
	}

	/**
	 * Closes: every consumer is lost from now on (its reservations fenced) and every waiting reserver woken.
	 * Returns the consumers whose channels are to be closed.
	 */
	List<QueueConsumer> close() {
		this.lock.lock();
		try {
			this.closed = true;
			List<QueueConsumer> open = new ArrayList<>(this.consumers.values());
			open.forEach((consumer) -> consumer.lost = true);
			this.consumers.clear();
			this.changed.signalAll();
			return open;
		}
		finally {
			this.lock.unlock();
		}
	}

	private QueueConsumer start(String queue) {
		Channel channel = null;
		try {
			channel = this.broker.newChannel();
			int credit = (this.prefetch > 0) ? this.prefetch : Math.max(DEFAULT_MIN_PREFETCH, this.largestMax.get());
			channel.basicQos(credit);
			String barrierQueue = channel.queueDeclare("", false, true, false, null).getQueue();
			QueueConsumer consumer = new QueueConsumer(queue, this.topology.workQueue(queue), channel,
					this.generations.incrementAndGet(), barrierQueue, this.answerTimeout);
			channel.addShutdownListener((cause) -> lost(consumer, cause.getMessage()));
			this.lock.lock();
			try {
				this.consumers.put(queue, consumer);
			}
			finally {
				this.lock.unlock();
			}
			consumer.start(this::onDelivery, this.topology.dueQueue(queue), this.router::onDue, this::lost);
			return consumer;
		}
		catch (IOException | ShutdownSignalException ex) {
			BrokerConnection.closeQuietly(channel);
			throw new DriverException("Could not start a RabbitMQ consumer on '" + this.topology.workQueue(queue)
					+ "': " + ex.getMessage(), ex);
		}
	}

	/** Marks a consumer lost: its reservations are fenced, its buffer dropped (the broker redelivers). */
	private void lost(QueueConsumer consumer, String why) {
		this.lock.lock();
		try {
			if (consumer.lost) {
				return;
			}
			consumer.lost = true;
			this.consumers.remove(consumer.queue, consumer);
			// the queue may have been deleted: declare it again on next use
			this.broker.forget(consumer.queue);
			consumer.buffer.clear();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		if (!this.closed) {
			logger.warn("RabbitMQ consumer of '{}' lost ({}); unacknowledged tasks return to the queue and the next "
					+ "reserve starts a new consumer", consumer.workQueue, why);
		}
	}

	/** A delivery of a work queue: buffered as a task, unless foreign or early. */
	private void onDelivery(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
		if (this.closed) {
			// the channel is closing: the broker takes the delivery back
			return;
		}
		String problem = TaskHeaders.foreignProblem(consumer.queue, properties);
		if (problem != null) {
			this.router.deadLetterForeign(consumer, envelope, properties, body, "foreign message: " + problem);
			return;
		}
		if (this.router.holdBackEarly(consumer, envelope, properties, body)) {
			return;
		}
		Delivered delivered = new Delivered(consumer, envelope.getDeliveryTag(),
				TaskHeaders.message(consumer.queue, properties, body), TaskHeaders.attemptsMade(properties));
		this.lock.lock();
		try {
			if (!consumer.lost) {
				consumer.buffer.addLast(delivered);
				this.changed.signalAll();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

}
