package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.asynctasq.driver.DriverException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One push consumer of one task queue on a channel of its own: a {@code basic.consume} of the work queue,
 * whose deliveries fill an in-JVM buffer, and one of the due queue. It is one generation of leases: once lost
 * (its channel closed, or the broker cancelled it), its buffer is dropped and the broker redelivers whatever
 * it held.
 */
final class QueueConsumer {

	private static final Logger logger = LoggerFactory.getLogger(QueueConsumer.class);

	final String queue;

	final String workQueue;

	final long generation;

	private final Channel channel;

	/** An exclusive queue of this channel, consumed for one consume-ok round trip when synchronising. */
	private final String barrierQueue;

	private final Duration answerTimeout;

	/** Orders the synchronisations, the starts and the forwarded messages' acks and nacks on the channel. */
	private final Object channelLock = new Object();

	/** Deliveries not reserved, oldest first; guarded by {@link QueueConsumers#lock}. */
	final ArrayDeque<Delivered> buffer = new ArrayDeque<>();

	/** Set once the consumer is lost (or the driver closed), never cleared. */
	volatile boolean lost;

	/** Deliveries of the work queue received, counted before they are handled; see {@link #received()}. */
	private final AtomicLong received = new AtomicLong();

	/**
	 * Delivery tags of this channel not acknowledged or given back yet, of both its consumers: added before a
	 * delivery is handled, removed under {@link #ackLock} with the ack or nack that settles it.
	 */
	private final ConcurrentSkipListSet<Long> unsettled = new ConcurrentSkipListSet<>();

	/** Orders the acks and nacks with {@link #unsettled}, so one multiple ack never covers a tag still held. */
	private final Object ackLock = new Object();

	QueueConsumer(String queue, String workQueue, Channel channel, long generation, String barrierQueue,
			Duration answerTimeout) {
		this.queue = queue;
		this.workQueue = workQueue;
		this.channel = channel;
		this.generation = generation;
		this.barrierQueue = barrierQueue;
		this.answerTimeout = answerTimeout;
	}

	/**
	 * Starts consuming the work queue into {@code work} and the due queue into {@code due}; a broker's cancel
	 * goes to {@code cancelled}, then the channel is closed.
	 */
	void start(Handler work, String dueQueue, Handler due, Cancelled cancelled) throws IOException {
		synchronized (this.channelLock) {
			Handler counted = (consumer, envelope, properties, body) -> {
				this.received.incrementAndGet();
				work.handle(consumer, envelope, properties, body);
			};
			this.channel.basicConsume(this.workQueue, false,
					callback(counted, "Delivery", this.workQueue, "could not be handled", cancelled));
			this.channel.basicConsume(dueQueue, false,
					callback(due, "Due message", dueQueue, "could not be routed", cancelled));
		}
	}

	/**
	 * How many deliveries of the work queue this consumer received so far, each counted before it reaches the
	 * buffer: unchanged across a {@link #synchronise} and the read of the buffer, no delivery arrived meanwhile.
	 */
	long received() {
		return this.received.get();
	}

	/** Whether deliveries of this consumer can still be settled: not lost and its channel open. */
	boolean usable() {
		return !this.lost && this.channel.isOpen();
	}

	/**
	 * Makes sure every delivery the broker dispatched to this consumer before now was handled: a passive
	 * declare on the consumer's channel then a consume-ok round trip on the same channel, whose callback the
	 * client runs after the deliveries received before it. Returns the work queue's ready and consumer counts
	 * on the broker, none once lost. The broker may answer before it applied this channel's acks (see
	 * {@code RabbitDriver#countConsumed}).
	 */
	Answer synchronise() throws InterruptedException {
		synchronized (this.channelLock) {
			if (this.lost) {
				return Answer.NONE;
			}
			try {
				AMQP.Queue.DeclareOk declared = this.channel.queueDeclarePassive(this.workQueue);
				CountDownLatch consumeOk = new CountDownLatch(1);
				String tag = this.channel.basicConsume(this.barrierQueue, true, new DefaultConsumer(this.channel) {

					@Override
					public void handleConsumeOk(String consumerTag) {
						consumeOk.countDown();
					}

				});
				try {
					if (!consumeOk.await(Math.max(1, this.answerTimeout.toMillis()), TimeUnit.MILLISECONDS)) {
						throw new DriverException("RabbitMQ consumer of '" + this.workQueue + "' did not answer within "
								+ this.answerTimeout.toMillis() + " ms");
					}
				}
				finally {
					this.channel.basicCancel(tag);
				}
				return new Answer(declared.getMessageCount(), declared.getConsumerCount());
			}
			catch (IOException | ShutdownSignalException ex) {
				throw new DriverException("RabbitMQ consumer of '" + this.workQueue + "' failed: " + ex.getMessage(),
						ex);
			}
		}
	}

	/**
	 * Acknowledges deliveries of reserved tasks, {@code tags} ascending; {@code false} when the channel is
	 * gone. The tags below every delivery of the channel still unsettled (buffered, reserved, being forwarded)
	 * go in one {@code basic.ack} with {@code multiple}, the others one by one: the broker then handles one
	 * frame and one queue operation for a batch instead of one per task. Not under the channel lock: the
	 * client writes an ack at once, even while a synchronise waits for its answers, and a later synchronise
	 * is still ordered after it.
	 */
	boolean acknowledge(long... tags) {
		synchronized (this.ackLock) {
			if (!usable()) {
				return false;
			}
			for (long tag : tags) {
				this.unsettled.remove(tag);
			}
			Long lowest = this.unsettled.isEmpty() ? null : this.unsettled.first();
			int covered = 0;
			while (covered < tags.length && (lowest == null || tags[covered] < lowest)) {
				covered++;
			}
			try {
				if (covered > 1) {
					this.channel.basicAck(tags[covered - 1], true);
				}
				for (int i = (covered > 1) ? covered : 0; i < tags.length; i++) {
					this.channel.basicAck(tags[i], false);
				}
				return true;
			}
			catch (IOException | ShutdownSignalException ex) {
				return false;
			}
		}
	}

	/** Acknowledges a delivery that was published elsewhere ({@code what} says how, for the log). */
	void acknowledgeForwarded(long deliveryTag, String what) {
		synchronized (this.channelLock) {
			synchronized (this.ackLock) {
				this.unsettled.remove(deliveryTag);
				try {
					this.channel.basicAck(deliveryTag, false);
				}
				catch (IOException | ShutdownSignalException ex) {
					logger.debug("Ack after {} failed; the message may be seen twice", what, ex);
				}
			}
		}
	}

	/** Gives a delivery back to the broker, which delivers it again. */
	void giveBack(long deliveryTag) {
		synchronized (this.channelLock) {
			synchronized (this.ackLock) {
				this.unsettled.remove(deliveryTag);
				try {
					this.channel.basicNack(deliveryTag, false, true);
				}
				catch (IOException | ShutdownSignalException ignored) {
					// the broker redelivers it with the channel
				}
			}
		}
	}

	/** Stops this consumer: closing its channel gives every unacknowledged delivery back to its queue. */
	void close() {
		synchronized (this.channelLock) {
			this.lost = true;
			try {
				if (this.channel.isOpen()) {
					this.channel.queueDelete(this.barrierQueue);
				}
			}
			catch (IOException | RuntimeException ignored) {
				// exclusive: goes with the connection anyway
			}
			BrokerConnection.closeQuietly(this.channel);
		}
	}

	private DefaultConsumer callback(Handler handler, String what, String queueName, String failure,
			Cancelled cancelled) {
		QueueConsumer self = this;
		return new DefaultConsumer(this.channel) {

			@Override
			public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
					byte[] body) {
				if (self.lost) {
					return;
				}
				self.unsettled.add(envelope.getDeliveryTag());
				try {
					handler.handle(self, envelope, properties, body);
				}
				catch (RuntimeException ex) {
					logger.error("{} {} on '{}' {}", what, envelope.getDeliveryTag(), queueName, failure, ex);
				}
			}

			@Override
			public void handleCancel(String consumerTag) {
				cancelled.cancelled(self, "cancelled by the broker (queue deleted?)");
				BrokerConnection.closeQuietly(self.channel);
			}

		};
	}

	/** The broker's answer to a synchronisation: the work queue's ready messages and its consumers. */
	record Answer(long ready, int consumers) {

		static final Answer NONE = new Answer(0, 0);

	}

	/** Takes the deliveries of one of the consumer's queues, on the connection's thread. */
	@FunctionalInterface
	interface Handler {

		void handle(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body);

	}

	/** Told when the broker cancelled a consumer. */
	@FunctionalInterface
	interface Cancelled {

		void cancelled(QueueConsumer consumer, String why);

	}

}
