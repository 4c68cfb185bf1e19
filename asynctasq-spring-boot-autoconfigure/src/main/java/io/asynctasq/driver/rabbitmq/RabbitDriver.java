package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.asynctasq.driver.Causes;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.QueueNames;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * The RabbitMQ driver, on the application's Spring AMQP {@link ConnectionFactory}: publisher confirms,
 * push consumers with manual acknowledgements, delays and dead letters without broker plugins.
 * <p>
 * <b>Topology.</b> See {@link RabbitTopology}: a durable exchange, and per task queue a work queue, a
 * dead-letter queue and TTL'd delay-level queues that dead-letter back to the work queue. It is declared
 * idempotently the first time this driver touches a queue.
 * <p>
 * <b>Publishing.</b> Every message is persistent, carries the task id as {@code message-id} and the
 * task's metadata in headers ({@code asynctasq-queue}, {@code asynctasq-enqueued-at},
 * {@code asynctasq-attempts}, {@code asynctasq-due}); the body is the encoded task, untouched. A publish
 * is mandatory and returns only after the broker confirmed it; a nack, a return (unroutable) or no
 * confirm within {@code confirmTimeout} throws {@link DriverException}. Confirms use a few channels of
 * this driver in confirm mode, shared by every publishing thread with correlated confirms
 * ({@link ConfirmPublisher}), so the factory needs no confirm type.
 * <p>
 * <b>Reserving on push consumers.</b> The SPI is pull-shaped; the broker pushes. The first reserve of a
 * queue starts one {@code basic.consume} on its own channel (manual acks, prefetch
 * {@code prefetch}, or by default the largest {@code max} asked for and at least 10) that fills an
 * in-JVM buffer; {@code reserve} takes from the buffers in strict priority order and waits on a
 * condition signalled by deliveries. Nothing polls the broker with {@code basic.get}. So that
 * {@code reserve(..., wait = 0)} and {@link #counts} see what the broker already dispatched, a queue
 * whose buffer falls short is <em>synchronised</em> first: a passive declare on the consumer's channel
 * (ordered after that channel's acks, it returns the ready count) followed by a consume-ok round trip,
 * which the client hands out only after every delivery sent before it. A reserve that may wait skips
 * this for its last queue: what is on its way arrives as deliveries and wakes it.
 * <p>
 * <b>Leases.</b> A reservation is an unacknowledged delivery; its lease token is
 * {@code <consumer-generation>:<delivery-tag>:<n>}. On the broker the lease lasts as long as the
 * consumer's channel: if the channel or connection is lost (the process died, the network failed), the
 * broker redelivers every unacknowledged message, and every reservation of that generation is fenced
 * (acknowledge and the others return {@code false}). Within a live process the driver also keeps each
 * reservation's lease deadline: a reservation not extended in time is taken back into the buffer (its
 * attempt counted) and handed out again with a new token, so a stuck attempt is reclaimed as with every
 * other driver. {@link #extendLease} moves that deadline and returns {@code true} while the channel is
 * open.
 * <p>
 * <b>Attempts.</b> The {@code asynctasq-attempts} header holds the attempts made; reserve hands out
 * attempt = header + 1 through {@link Reservation#afterAttempts}, so a header out of range (negative, or
 * a million and more) gives a corrupt reservation, which keeps its counter as stored through release,
 * postpone, lease expiry and dead-letter; a header that is not a whole number makes the message foreign
 * (below). Retry republishes with the attempt counted (the reservation's, so bounded even after a corrupt
 * counter), postpone with the header as it was (both to the delay levels, or to the work queue without a
 * delay), then acknowledge the original (a crash between the two can duplicate a task, never lose it);
 * release and lease expiry stay in this process and never touch the broker. A redelivery after a
 * connection loss does not count an attempt (the broker cannot tell a started task from a prefetched one).
 * <p>
 * <b>Delays and retries</b> go to the delay levels with their due time in a header; expired levels
 * dead-letter into the due queue, whose consumer (started with the work queue's, on its channel)
 * publishes each message to the work queue when due or to the next level, then acknowledges it. So a
 * delayed task never waits behind ready ones and one dispatched by one process is delivered to workers
 * of any other. Delays progress while some process serves the queue; meanwhile they count as delayed.
 * A message reaching the work queue early anyway (clock skew) is sent back to a level the same way.
 * <p>
 * <b>Dead letters</b> are messages of the dead-letter queue with the reason, error class, message and
 * stack trace in headers. Listing and {@link #retryDeadLetter} read them with {@code basic.get} without
 * acknowledging and give back what they do not take; a classic queue keeps its order, a quorum queue
 * does not, so there the listing reads up to 10,000 dead letters and sorts them by the microsecond
 * they were dead-lettered ({@code asynctasq-dead-letter-order}). Purge is {@code queue.purge}. A
 * message that is not ours (no message id or metadata headers) is dead-lettered with reason
 * "foreign message" and the consumer goes on.
 * <p>
 * <b>Counts</b>: ready = the work queue's ready count on the broker plus deliveries buffered in this
 * process and not reserved; delayed = the delay and due queues' counts; in flight = reservations held by this
 * process; dead-lettered = the dead-letter queue's count. A quorum queue's counts come from its Raft
 * state and can lag a confirmed publish by a moment (the driver TCK passes unchanged on classic queues;
 * on quorum queues only such immediate counts can differ).
 * <p>
 * <b>Connection loss.</b> The consumer is marked lost, its buffer dropped (the broker redelivers), and
 * the next reserve opens a new channel on the factory's connection, which Spring AMQP re-creates. While
 * the broker is unreachable every operation throws {@link DriverException} (so health is DOWN).
 */
public class RabbitDriver implements QueueDriver {

	static final String HEADER_QUEUE = "asynctasq-queue";

	static final String HEADER_ENQUEUED_AT = "asynctasq-enqueued-at";

	static final String HEADER_ATTEMPTS = "asynctasq-attempts";

	static final String HEADER_DUE = "asynctasq-due";

	static final String HEADER_REASON = "asynctasq-reason";

	static final String HEADER_ERROR_CLASS = "asynctasq-error-class";

	static final String HEADER_ERROR_MESSAGE = "asynctasq-error-message";

	static final String HEADER_STACK_TRACE = "asynctasq-stack-trace";

	static final String HEADER_DEAD_LETTERED_AT = "asynctasq-dead-lettered-at";

	static final String HEADER_DEAD_LETTER_ORDER = "asynctasq-dead-letter-order";

	/** Dead letters read and sorted per listing of a quorum dead-letter queue. */
	private static final int MAX_DEAD_LETTERS_SORTED = 10_000;

	private static final int DEFAULT_MIN_PREFETCH = 10;

	private static final int PUBLISH_CHANNELS = 4;

	private static final Logger logger = LoggerFactory.getLogger(RabbitDriver.class);

	private final ConnectionFactory connectionFactory;

	private final RabbitTopology topology;

	private final Duration confirmTimeout;

	private final int prefetch;

	/** Guards buffers, reservations and the consumer map; signalled on deliveries and releases. */
	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private final Map<String, QueueConsumer> consumers = new HashMap<>();

	private final Map<String, Held> inFlight = new HashMap<>();

	private final Object consumerCreation = new Object();

	private final Set<String> declared = ConcurrentHashMap.newKeySet();

	private final ConfirmPublisher publisher;

	private final Object adminLock = new Object();

	private final Object connectionLock = new Object();

	private Connection connection;

	private Channel adminChannel;

	private final ExecutorService router;

	private final AtomicLong generations = new AtomicLong();

	private final AtomicLong sequence = new AtomicLong();

	private final AtomicInteger largestMax = new AtomicInteger();

	private final AtomicLong deadLetterOrder = new AtomicLong();

	private volatile boolean closed;

	/**
	 * @param connectionFactory the application's connection factory; the driver opens its own channels on
	 * the factory's connection and never closes the factory
	 * @param prefix exchange name and queue name prefix
	 * @param queueType type of every queue declared
	 * @param confirmTimeout how long a publish waits for the broker's confirm
	 * @param prefetch unacknowledged deliveries per queue consumer; 0 = the largest reserve max, at least 10
	 */
	public RabbitDriver(ConnectionFactory connectionFactory, String prefix, RabbitQueueType queueType,
			Duration confirmTimeout, int prefetch) {
		this.connectionFactory = connectionFactory;
		this.topology = new RabbitTopology(prefix, queueType);
		this.confirmTimeout = confirmTimeout;
		this.prefetch = Math.max(0, prefetch);
		this.publisher = new ConfirmPublisher(this::newChannel, this.topology.exchange(), confirmTimeout,
				PUBLISH_CHANNELS);
		ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(runnable) -> {
					Thread thread = new Thread(runnable, "asynctasq-rabbitmq-router");
					thread.setDaemon(true);
					return thread;
				});
		executor.allowCoreThreadTimeOut(true);
		this.router = executor;
	}

	/** The names of the broker objects this driver uses. */
	public RabbitTopology topology() {
		return this.topology;
	}

	@Override
	public String name() {
		return "rabbitmq";
	}

	/** Declares the topology of {@code queues} now (the worker's queues at startup). */
	public void declareQueues(List<String> queues) {
		ensureOpen();
		queues.forEach(this::ensureTopology);
	}

	// ------------------------------------------------------------------ publish

	@Override
	public void enqueue(TaskMessage message, Duration delay) {
		enqueueAll(List.of(message), delay);
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		ensureOpen();
		if (messages.isEmpty()) {
			return;
		}
		long now = System.currentTimeMillis();
		Long due = dueAt(now, delay);
		List<Outgoing> outgoing = new ArrayList<>(messages.size());
		for (TaskMessage message : messages) {
			ensureTopology(message.queue());
			outgoing.add(taskMessage(message, 0, due, now));
		}
		publishConfirmed(outgoing);
	}

	/** When a task delayed by {@code delay} at {@code now} is due, or {@code null} when it is ready at once. */
	private static Long dueAt(long now, Duration delay) {
		if (delay == null || delay.isZero() || delay.isNegative()) {
			return null;
		}
		long millis;
		try {
			millis = delay.toMillis();
		}
		catch (ArithmeticException tooLong) {
			millis = Long.MAX_VALUE;
		}
		return (millis > Long.MAX_VALUE - now) ? Long.MAX_VALUE : now + millis;
	}

	private Outgoing taskMessage(TaskMessage message, long attemptsMade, Long due, long now) {
		Map<String, Object> headers = new HashMap<>();
		headers.put(HEADER_QUEUE, message.queue());
		headers.put(HEADER_ENQUEUED_AT, message.enqueuedAt().toEpochMilli());
		headers.put(HEADER_ATTEMPTS, attemptsMade);
		String routingKey = this.topology.workQueue(message.queue());
		if (due != null) {
			headers.put(HEADER_DUE, due);
			routingKey = this.topology.routeFor(message.queue(), due, now);
		}
		return new Outgoing(routingKey, properties(message.id(), message.enqueuedAt(), headers), message.body());
	}

	private static AMQP.BasicProperties properties(String id, Instant enqueuedAt, Map<String, Object> headers) {
		return new AMQP.BasicProperties.Builder().messageId(id)
			.deliveryMode(2)
			.contentType("application/octet-stream")
			.timestamp(Date.from(enqueuedAt))
			.headers(headers)
			.build();
	}

	/** Publishes every message, mandatory and persistent, and returns once the broker confirmed them all. */
	private void publishConfirmed(List<Outgoing> outgoing) {
		this.publisher.publish(outgoing);
	}

	// ------------------------------------------------------------------ reserve

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		ensureOpen();
		queues.forEach(QueueNames::validate);
		if (max <= 0 || queues.isEmpty()) {
			return List.of();
		}
		this.largestMax.accumulateAndGet(max, Math::max);
		long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
		List<QueueConsumer> served = new ArrayList<>(queues.size());
		for (String queue : queues) {
			served.add(consumer(queue));
		}
		List<Reservation> reserved = new ArrayList<>(Math.min(max, 64));
		boolean waits = wait.toNanos() > 0;
		try {
			for (int i = 0; i < served.size(); i++) {
				QueueConsumer consumer = served.get(i);
				take(consumer, reserved, max, lease);
				// synchronising costs round trips on the consumer's channel: only when a lower queue would
				// be served next or the call would return short without waiting; otherwise what is on its way
				// arrives as deliveries, which wake the wait below or the next reserve
				boolean last = i == served.size() - 1;
				if (reserved.size() < max && (!last || !waits)) {
					synchronise(consumer);
					take(consumer, reserved, max, lease);
				}
			}
		}
		catch (DriverException ex) {
			if (!reserved.isEmpty()) {
				// a later queue failed: hand out what was reserved, the failure shows on the next call
				return reserved;
			}
			throw ex;
		}
		catch (InterruptedException ex) {
			reserved.forEach(this::release);
			throw ex;
		}
		if (!reserved.isEmpty()) {
			return reserved;
		}
		this.lock.lockInterruptibly();
		try {
			while (true) {
				ensureOpen();
				for (QueueConsumer consumer : served) {
					takeLocked(consumer, reserved, max, lease);
				}
				long remaining = deadline - System.nanoTime();
				if (!reserved.isEmpty() || remaining <= 0) {
					return reserved;
				}
				Instant nextExpiry = nextLeaseExpiry();
				if (nextExpiry != null) {
					remaining = Math.min(remaining,
							Math.max(1, Duration.between(Instant.now(), nextExpiry).toNanos()));
				}
				this.changed.awaitNanos(remaining);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private void take(QueueConsumer consumer, List<Reservation> reserved, int max, Duration lease)
			throws InterruptedException {
		this.lock.lockInterruptibly();
		try {
			ensureOpen();
			takeLocked(consumer, reserved, max, lease);
		}
		finally {
			this.lock.unlock();
		}
	}

	private void takeLocked(QueueConsumer consumer, List<Reservation> reserved, int max, Duration lease) {
		Instant now = Instant.now();
		reclaimExpiredLeases(now);
		while (reserved.size() < max && !consumer.lost && !consumer.buffer.isEmpty()) {
			Delivered delivered = consumer.buffer.pollFirst();
			String token = consumer.generation + ":" + delivered.deliveryTag + ":" + this.sequence.incrementAndGet();
			Reservation reservation = Reservation.afterAttempts(delivered.message, delivered.attemptsMade, token,
					now.plus(lease));
			this.inFlight.put(token, new Held(delivered, reservation));
			reserved.add(reservation);
		}
	}

	/** Puts reservations whose lease ended back at the front of their buffer, their attempt counted. */
	private void reclaimExpiredLeases(Instant now) {
		for (Iterator<Held> it = this.inFlight.values().iterator(); it.hasNext();) {
			Held held = it.next();
			if (!held.deadline.isAfter(now)) {
				it.remove();
				QueueConsumer consumer = held.delivered.consumer;
				if (!consumer.lost) {
					held.delivered.attemptsMade = held.attemptsCounted();
					consumer.buffer.addFirst(held.delivered);
				}
			}
		}
	}

	private Instant nextLeaseExpiry() {
		Instant next = null;
		for (Held held : this.inFlight.values()) {
			if (next == null || held.deadline.isBefore(next)) {
				next = held.deadline;
			}
		}
		return next;
	}

	// ------------------------------------------------------------------ settle

	@Override
	public boolean acknowledge(Reservation reservation) {
		Held held = removeHeld(reservation);
		if (held == null) {
			return false;
		}
		return settle(held.delivered);
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		Held held = removeHeld(reservation);
		if (held == null) {
			return false;
		}
		// the attempt ran, so it counts even after a corrupt counter: the attempts stay bounded
		requeue(held, reservation.attempt(), delay);
		return true;
	}

	@Override
	public boolean release(Reservation reservation) {
		this.lock.lock();
		try {
			ensureOpen();
			Held held = this.inFlight.remove(reservation.leaseToken());
			if (held == null || held.delivered.consumer.lost) {
				return false;
			}
			// attemptsMade still counts the attempts before this reservation
			held.delivered.consumer.buffer.addFirst(held.delivered);
			this.changed.signalAll();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		Held held = removeHeld(reservation);
		if (held == null) {
			return false;
		}
		requeue(held, held.delivered.attemptsMade, delay);
		return true;
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		Held held = removeHeld(reservation);
		if (held == null) {
			return false;
		}
		TaskMessage message = held.delivered.message;
		Map<String, Object> headers = new HashMap<>();
		headers.put(HEADER_QUEUE, message.queue());
		headers.put(HEADER_ENQUEUED_AT, message.enqueuedAt().toEpochMilli());
		headers.put(HEADER_ATTEMPTS, held.attemptsCounted());
		putFailure(headers, failure);
		republishThenSettle(held, new Outgoing(this.topology.deadLetterQueue(message.queue()),
				properties(message.id(), message.enqueuedAt(), headers), message.body()));
		return true;
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		this.lock.lock();
		try {
			ensureOpen();
			Held held = this.inFlight.get(reservation.leaseToken());
			if (held == null || held.delivered.consumer.lost || !held.delivered.consumer.channel.isOpen()) {
				return false;
			}
			held.deadline = Instant.now().plus(lease);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	private Held removeHeld(Reservation reservation) {
		this.lock.lock();
		try {
			ensureOpen();
			Held held = this.inFlight.remove(reservation.leaseToken());
			return (held == null || held.delivered.consumer.lost) ? null : held;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Republishes a reserved task with {@code attemptsMade} to its work queue, or to the delay levels when
	 * {@code delay} is positive, then acknowledges the delivery.
	 */
	private void requeue(Held held, long attemptsMade, Duration delay) {
		long now = System.currentTimeMillis();
		republishThenSettle(held, taskMessage(held.delivered.message, attemptsMade, dueAt(now, delay), now));
	}

	/** Publishes the next state of a reserved message, then acknowledges the delivery. */
	private void republishThenSettle(Held held, Outgoing next) {
		try {
			publishConfirmed(List.of(next));
		}
		catch (RuntimeException ex) {
			// nothing changed: the reservation still holds the delivery
			this.lock.lock();
			try {
				this.inFlight.put(held.reservation.leaseToken(), held);
			}
			finally {
				this.lock.unlock();
			}
			throw ex;
		}
		if (!settle(held.delivered)) {
			logger.warn("Task {}: its next state was stored but the delivery could not be acknowledged (channel "
					+ "lost); RabbitMQ will redeliver it, so it may run once more", held.delivered.message.id());
		}
	}

	/**
	 * Acknowledges one delivery on its consumer's channel; {@code false} when the channel is gone. Not under
	 * the channel lock: the client writes an ack at once, even while a synchronise waits for its answers,
	 * and a later synchronise is still ordered after it.
	 */
	private boolean settle(Delivered delivered) {
		QueueConsumer consumer = delivered.consumer;
		if (consumer.lost || !consumer.channel.isOpen()) {
			return false;
		}
		try {
			consumer.channel.basicAck(delivered.deliveryTag, false);
			return true;
		}
		catch (IOException | ShutdownSignalException ex) {
			return false;
		}
	}

	// ------------------------------------------------------------------ consumers

	private QueueConsumer consumer(String queue) {
		this.lock.lock();
		try {
			QueueConsumer existing = this.consumers.get(queue);
			if (existing != null && !existing.lost) {
				return existing;
			}
		}
		finally {
			this.lock.unlock();
		}
		ensureTopology(queue);
		synchronized (this.consumerCreation) {
			this.lock.lock();
			try {
				ensureOpen();
				QueueConsumer existing = this.consumers.get(queue);
				if (existing != null && !existing.lost) {
					return existing;
				}
			}
			finally {
				this.lock.unlock();
			}
			Channel channel = null;
			try {
				channel = newChannel();
				int credit = (this.prefetch > 0) ? this.prefetch
						: Math.max(DEFAULT_MIN_PREFETCH, this.largestMax.get());
				channel.basicQos(credit);
				String barrierQueue = channel.queueDeclare("", false, true, false, null).getQueue();
				QueueConsumer consumer = new QueueConsumer(queue, channel, this.generations.incrementAndGet(),
						barrierQueue);
				channel.addShutdownListener((cause) -> lost(consumer, cause.getMessage()));
				this.lock.lock();
				try {
					this.consumers.put(queue, consumer);
				}
				finally {
					this.lock.unlock();
				}
				synchronized (consumer.channelLock) {
					channel.basicConsume(this.topology.workQueue(queue), false, consumer.callback());
					channel.basicConsume(this.topology.dueQueue(queue), false, consumer.dueCallback());
				}
				return consumer;
			}
			catch (IOException | ShutdownSignalException ex) {
				closeQuietly(channel);
				throw new DriverException("Could not start a RabbitMQ consumer on '" + this.topology.workQueue(queue)
						+ "': " + ex.getMessage(), ex);
			}
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
			this.declared.remove(consumer.queue);
			consumer.buffer.clear();
			this.inFlight.values().removeIf((held) -> held.delivered.consumer == consumer);
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		if (!this.closed) {
			logger.warn("RabbitMQ consumer of '{}' lost ({}); unacknowledged tasks return to the queue and the next "
					+ "reserve starts a new consumer", this.topology.workQueue(consumer.queue), why);
		}
	}

	/**
	 * Makes sure every delivery the broker dispatched to this consumer before now sits in its buffer:
	 * a passive declare on the consumer's channel (ordered after its acks) then a consume-ok round trip
	 * on the same channel, whose callback the client runs after the deliveries received before it.
	 * Returns the work queue's ready count on the broker.
	 */
	private long synchronise(QueueConsumer consumer) throws InterruptedException {
		synchronized (consumer.channelLock) {
			if (consumer.lost) {
				return 0;
			}
			try {
				long ready = consumer.channel.queueDeclarePassive(this.topology.workQueue(consumer.queue))
					.getMessageCount();
				CountDownLatch consumeOk = new CountDownLatch(1);
				String tag = consumer.channel.basicConsume(consumer.barrierQueue, true,
						new DefaultConsumer(consumer.channel) {

							@Override
							public void handleConsumeOk(String consumerTag) {
								consumeOk.countDown();
							}

						});
				try {
					if (!consumeOk.await(Math.max(1, this.confirmTimeout.toMillis()), TimeUnit.MILLISECONDS)) {
						throw new DriverException("RabbitMQ consumer of '" + this.topology.workQueue(consumer.queue)
								+ "' did not answer within " + this.confirmTimeout.toMillis() + " ms");
					}
				}
				finally {
					consumer.channel.basicCancel(tag);
				}
				return ready;
			}
			catch (IOException | ShutdownSignalException ex) {
				throw new DriverException("RabbitMQ consumer of '" + this.topology.workQueue(consumer.queue)
						+ "' failed: " + ex.getMessage(), ex);
			}
		}
	}

	private void onDelivery(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties,
			byte[] body) {
		if (this.closed) {
			// the channel is closing: the broker takes the delivery back
			return;
		}
		Map<String, Object> headers = (properties.getHeaders() != null) ? properties.getHeaders() : Map.of();
		String id = properties.getMessageId();
		Object queueHeader = headers.get(HEADER_QUEUE);
		Long enqueuedAt = wholeNumber(headers.get(HEADER_ENQUEUED_AT));
		Long attempts = wholeNumber(headers.get(HEADER_ATTEMPTS));
		Object due = headers.get(HEADER_DUE);
		Long dueAt = wholeNumber(due);
		String problem = null;
		if (id == null || id.isBlank()) {
			problem = "no message-id";
		}
		else if (queueHeader == null || !consumer.queue.equals(queueHeader.toString())) {
			problem = "header " + HEADER_QUEUE + " is " + ((queueHeader != null) ? "'" + queueHeader + "'" : "missing");
		}
		else if (enqueuedAt == null || attempts == null || (due != null && dueAt == null)) {
			problem = "headers " + HEADER_ENQUEUED_AT + " / " + HEADER_ATTEMPTS + " / " + HEADER_DUE
					+ " missing or not whole numbers";
		}
		if (problem != null) {
			String reason = "foreign message: " + problem;
			this.router.execute(() -> deadLetterForeign(consumer, envelope, properties, body, reason));
			return;
		}
		if (dueAt != null) {
			String next = this.topology.routeFor(consumer.queue, dueAt, System.currentTimeMillis());
			if (!next.equals(this.topology.workQueue(consumer.queue))) {
				this.router.execute(() -> forward(consumer, envelope.getDeliveryTag(),
						new Outgoing(next, properties, body), "delay"));
				return;
			}
		}
		TaskMessage message = new TaskMessage(id, consumer.queue, body, Instant.ofEpochMilli(enqueuedAt));
		Delivered delivered = new Delivered(consumer, envelope.getDeliveryTag(), message, attempts);
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

	/** A message whose delay level expired: on to the work queue when due, else to the next level. */
	private void onDue(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
		if (this.closed) {
			return;
		}
		Map<String, Object> headers = (properties.getHeaders() != null) ? properties.getHeaders() : Map.of();
		Long due = wholeNumber(headers.get(HEADER_DUE));
		long now = System.currentTimeMillis();
		// without a due time the work queue's consumer judges the message
		String next = (due != null) ? this.topology.routeFor(consumer.queue, due, now)
				: this.topology.workQueue(consumer.queue);
		if (logger.isTraceEnabled()) {
			logger.trace("Due message {} on '{}' goes to '{}'", properties.getMessageId(), consumer.queue, next);
		}
		this.router.execute(() -> forward(consumer, envelope.getDeliveryTag(), new Outgoing(next, properties, body),
				"route due"));
	}

	private void deadLetterForeign(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties,
			byte[] body, String reason) {
		Map<String, Object> headers = new HashMap<>();
		if (properties.getHeaders() != null) {
			headers.putAll(properties.getHeaders());
		}
		long now = System.currentTimeMillis();
		String id = (properties.getMessageId() != null && !properties.getMessageId().isBlank())
				? properties.getMessageId() : UUID.randomUUID().toString();
		headers.put(HEADER_QUEUE, consumer.queue);
		if (wholeNumber(headers.get(HEADER_ENQUEUED_AT)) == null) {
			headers.put(HEADER_ENQUEUED_AT, now);
		}
		headers.put(HEADER_ATTEMPTS, 0);
		headers.remove(HEADER_DUE);
		putFailure(headers, DeadLetter.Failure.of(reason));
		AMQP.BasicProperties deadProperties = properties.builder().messageId(id).deliveryMode(2).headers(headers)
			.build();
		logger.warn("Message {} on '{}' is not an AsyncTasQ task ({}); moved to '{}'", id,
				this.topology.workQueue(consumer.queue), reason, this.topology.deadLetterQueue(consumer.queue));
		forward(consumer, envelope.getDeliveryTag(),
				new Outgoing(this.topology.deadLetterQueue(consumer.queue), deadProperties, body), "dead-letter");
	}

	/** Publishes a delivery elsewhere and acknowledges it; on failure gives it back to the broker. */
	private void forward(QueueConsumer consumer, long deliveryTag, Outgoing next, String what) {
		if (consumer.lost || this.closed) {
			return;
		}
		try {
			publishConfirmed(List.of(next));
		}
		catch (RuntimeException ex) {
			logger.warn("Could not {} message {} ({}); it goes back to '{}'", what, next.properties().getMessageId(),
					ex.getMessage(), this.topology.workQueue(consumer.queue));
			synchronized (consumer.channelLock) {
				try {
					consumer.channel.basicNack(deliveryTag, false, true);
				}
				catch (IOException | ShutdownSignalException ignored) {
					// the broker redelivers it with the channel
				}
			}
			return;
		}
		synchronized (consumer.channelLock) {
			try {
				consumer.channel.basicAck(deliveryTag, false);
			}
			catch (IOException | ShutdownSignalException ex) {
				logger.debug("Ack after {} failed; the message may be seen twice", what, ex);
			}
		}
	}

	// ------------------------------------------------------------------ counts, dead letters

	@Override
	public QueueCounts counts(String queue) {
		ensureOpen();
		ensureTopology(queue);
		QueueConsumer consumer;
		this.lock.lock();
		try {
			consumer = this.consumers.get(queue);
		}
		finally {
			this.lock.unlock();
		}
		long brokerReady;
		if (consumer != null && !consumer.lost) {
			try {
				brokerReady = synchronise(consumer);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new DriverException("Interrupted while counting '" + queue + "'", ex);
			}
		}
		else {
			brokerReady = admin((channel) -> (long) channel.queueDeclarePassive(this.topology.workQueue(queue))
				.getMessageCount());
		}
		long delayed = admin((channel) -> {
			long sum = channel.queueDeclarePassive(this.topology.dueQueue(queue)).getMessageCount();
			for (String delayQueue : this.topology.delayQueues(queue)) {
				sum += channel.queueDeclarePassive(delayQueue).getMessageCount();
			}
			return sum;
		});
		long dead = admin((channel) -> (long) channel.queueDeclarePassive(this.topology.deadLetterQueue(queue))
			.getMessageCount());
		this.lock.lock();
		try {
			reclaimExpiredLeases(Instant.now());
			long buffered = (consumer != null && !consumer.lost) ? consumer.buffer.size() : 0;
			long held = this.inFlight.values().stream().filter((h) -> h.delivered.message.queue().equals(queue)).count();
			return new QueueCounts(brokerReady + buffered, delayed, held, dead);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public List<DeadLetter> deadLetters(String queue, int offset, int limit) {
		ensureOpen();
		ensureTopology(queue);
		// a classic queue gives requeued messages back in place, so its order is the dead-letter order;
		// a quorum queue does not, so all are read and sorted by when they were dead-lettered
		boolean inQueueOrder = this.topology.queueType() == RabbitQueueType.CLASSIC;
		int toRead = inQueueOrder ? offset + limit : MAX_DEAD_LETTERS_SORTED;
		return admin((channel) -> {
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
				read.sort(java.util.Comparator.comparingLong(RabbitDriver::deadLetterOrder));
			}
			return read.stream().skip(offset).limit(limit).map((response) -> deadLetter(queue, response)).toList();
		});
	}

	@Override
	public boolean retryDeadLetter(String queue, String taskId) {
		ensureOpen();
		ensureTopology(queue);
		return admin((channel) -> {
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
						DeadLetter dead = deadLetter(queue, response);
						publishConfirmed(List.of(taskMessage(dead.message(), 0, null, System.currentTimeMillis())));
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

	@Override
	public long purgeDeadLetters(String queue) {
		ensureOpen();
		ensureTopology(queue);
		return admin((channel) -> (long) channel.queuePurge(this.topology.deadLetterQueue(queue)).getMessageCount());
	}

	private DeadLetter deadLetter(String queue, GetResponse response) {
		AMQP.BasicProperties properties = response.getProps();
		Map<String, Object> headers = (properties.getHeaders() != null) ? properties.getHeaders() : Map.of();
		Instant enqueuedAt = instant(headers.get(HEADER_ENQUEUED_AT));
		Instant deadLetteredAt = instant(headers.get(HEADER_DEAD_LETTERED_AT));
		String id = (properties.getMessageId() != null) ? properties.getMessageId()
				: "delivery-" + response.getEnvelope().getDeliveryTag();
		Long attempts = wholeNumber(headers.get(HEADER_ATTEMPTS));
		DeadLetter.Failure failure = new DeadLetter.Failure(text(headers.get(HEADER_REASON)),
				text(headers.get(HEADER_ERROR_CLASS)), text(headers.get(HEADER_ERROR_MESSAGE)),
				text(headers.get(HEADER_STACK_TRACE)));
		// a corrupt counter is listed as stored, clamped to the int range
		int attemptsMade = (attempts != null)
				? (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, attempts)) : 0;
		return new DeadLetter(new TaskMessage(id, queue, response.getBody(), enqueuedAt), attemptsMade, failure,
				deadLetteredAt);
	}

	private void putFailure(Map<String, Object> headers, DeadLetter.Failure failure) {
		Instant now = Instant.now();
		headers.put(HEADER_DEAD_LETTERED_AT, now.toEpochMilli());
		long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
		headers.put(HEADER_DEAD_LETTER_ORDER, this.deadLetterOrder.accumulateAndGet(micros,
				(previous, candidate) -> Math.max(previous + 1, candidate)));
		putText(headers, HEADER_REASON, failure.reason());
		putText(headers, HEADER_ERROR_CLASS, failure.errorClass());
		putText(headers, HEADER_ERROR_MESSAGE, failure.errorMessage());
		putText(headers, HEADER_STACK_TRACE, failure.stackTrace());
	}

	/** Puts a failure text as it is: {@link DeadLetter.Failure} already capped it well within a header frame. */
	private static void putText(Map<String, Object> headers, String name, String value) {
		if (value != null) {
			headers.put(name, value);
		}
	}

	/** When a dead letter was made, in microseconds, strictly increasing within one process. */
	private static long deadLetterOrder(GetResponse response) {
		Map<String, Object> headers = response.getProps().getHeaders();
		Object order = (headers != null) ? headers.get(HEADER_DEAD_LETTER_ORDER) : null;
		if (order instanceof Number number) {
			return number.longValue();
		}
		Object at = (headers != null) ? headers.get(HEADER_DEAD_LETTERED_AT) : null;
		return (at instanceof Number number) ? number.longValue() * 1_000 : 0;
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : null;
	}

	private static Instant instant(Object value) {
		Long millis = wholeNumber(value);
		return (millis != null) ? Instant.ofEpochMilli(millis) : Instant.EPOCH;
	}

	/**
	 * A header holding a whole number (AMQP byte, short, int or long) as a long, else {@code null}: no
	 * fraction, string or other shape is taken for a counter or a time.
	 */
	private static Long wholeNumber(Object value) {
		if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
			return ((Number) value).longValue();
		}
		return null;
	}

	// ------------------------------------------------------------------ ping, close, plumbing

	@Override
	public void ping() {
		ensureOpen();
		admin((channel) -> {
			channel.exchangeDeclare(this.topology.exchange(), "direct", true);
			return null;
		});
	}

	@Override
	public void close() {
		List<QueueConsumer> open;
		this.lock.lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
			open = new ArrayList<>(this.consumers.values());
			this.consumers.clear();
			this.inFlight.clear();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		this.router.shutdown();
		for (QueueConsumer consumer : open) {
			synchronized (consumer.channelLock) {
				consumer.lost = true;
				try {
					if (consumer.channel.isOpen()) {
						consumer.channel.queueDelete(consumer.barrierQueue);
					}
				}
				catch (IOException | RuntimeException ignored) {
					// exclusive: goes with the connection anyway
				}
				// closing the channel gives every unacknowledged delivery back to its queue
				closeQuietly(consumer.channel);
			}
		}
		this.publisher.close();
		synchronized (this.adminLock) {
			closeQuietly(this.adminChannel);
		}
		synchronized (this.connectionLock) {
			if (this.connection != null) {
				try {
					// gives the connection back to the factory (a no-op for its shared connection)
					this.connection.close();
				}
				catch (RuntimeException ignored) {
					// closing anyway
				}
			}
		}
	}

	private void ensureTopology(String queue) {
		QueueNames.validate(queue);
		if (this.declared.contains(queue)) {
			return;
		}
		admin((channel) -> {
			this.topology.declare(channel, queue);
			return null;
		});
		this.declared.add(queue);
	}

	private <T> T admin(ChannelAction<T> action) {
		synchronized (this.adminLock) {
			try {
				if (this.adminChannel == null || !this.adminChannel.isOpen()) {
					this.adminChannel = newChannel();
				}
				return action.apply(this.adminChannel);
			}
			catch (IOException | ShutdownSignalException ex) {
				throw new DriverException("RabbitMQ operation failed: " + describe(ex), ex);
			}
		}
	}

	private Channel newChannel() throws IOException {
		try {
			Connection current;
			synchronized (this.connectionLock) {
				if (this.connection == null || !this.connection.isOpen()) {
					// Spring AMQP opens a new connection when the previous one was lost
					this.connection = this.connectionFactory.createConnection();
				}
				current = this.connection;
			}
			Channel channel = current.getDelegate().createChannel();
			if (channel == null) {
				throw new DriverException("RabbitMQ refused a new channel (channel-max reached)");
			}
			return channel;
		}
		catch (AmqpException ex) {
			throw new DriverException("RabbitMQ is unreachable at " + this.connectionFactory.getHost() + ":"
					+ this.connectionFactory.getPort() + ": " + describe(ex), ex);
		}
	}

	static String describe(Throwable ex) {
		Throwable cause = Causes.root(ex);
		if (cause instanceof ShutdownSignalException signal) {
			return signal.getReason() != null ? signal.getReason().toString() : signal.getMessage();
		}
		return (cause.getMessage() != null) ? cause.getMessage() : cause.toString();
	}

	static void closeQuietly(Channel channel) {
		if (channel == null) {
			return;
		}
		try {
			if (channel.isOpen()) {
				channel.close();
			}
		}
		catch (IOException | TimeoutException | RuntimeException ignored) {
			// closing anyway
		}
	}

	private void ensureOpen() {
		if (this.closed) {
			throw new IllegalStateException("The RabbitMQ driver is closed");
		}
	}

	@FunctionalInterface
	private interface ChannelAction<T> {

		T apply(Channel channel) throws IOException;

	}

	/** A delivery buffered or reserved in this process. */
	private static final class Delivered {

		final QueueConsumer consumer;

		final long deliveryTag;

		final TaskMessage message;

		/** The attempts made before the next reservation, as stored: possibly out of range (corrupt). */
		long attemptsMade;

		Delivered(QueueConsumer consumer, long deliveryTag, TaskMessage message, long attemptsMade) {
			this.consumer = consumer;
			this.deliveryTag = deliveryTag;
			this.message = message;
			this.attemptsMade = attemptsMade;
		}

	}

	private static final class Held {

		final Delivered delivered;

		final Reservation reservation;

		Instant deadline;

		Held(Delivered delivered, Reservation reservation) {
			this.delivered = delivered;
			this.reservation = reservation;
			this.deadline = reservation.leaseDeadline();
		}

		/**
		 * The attempts made once this reservation's attempt counts, for a lease that ended or a dead letter:
		 * its attempt, or for a corrupt counter the stored value unchanged, so it stays corrupt and no
		 * arithmetic on it can overflow.
		 */
		long attemptsCounted() {
			return this.reservation.isCorrupt() ? this.delivered.attemptsMade : this.reservation.attempt();
		}

	}

	/** One push consumer of one work queue, on its own channel; one generation of leases. */
	private final class QueueConsumer {

		final String queue;

		final Channel channel;

		final long generation;

		final String barrierQueue;

		final Object channelLock = new Object();

		final ArrayDeque<Delivered> buffer = new ArrayDeque<>();

		volatile boolean lost;

		QueueConsumer(String queue, Channel channel, long generation, String barrierQueue) {
			this.queue = queue;
			this.channel = channel;
			this.generation = generation;
			this.barrierQueue = barrierQueue;
		}

		/** The consumer of the work queue: deliveries become reservable tasks. */
		DefaultConsumer callback() {
			return consumerOf(RabbitDriver.this::onDelivery, "Delivery", topology.workQueue(this.queue),
					"could not be handled");
		}

		/** The consumer of the due queue: expired delays move on to the work queue or the next level. */
		DefaultConsumer dueCallback() {
			return consumerOf(RabbitDriver.this::onDue, "Due message", topology.dueQueue(this.queue),
					"could not be routed");
		}

		private DefaultConsumer consumerOf(DeliveryHandler handler, String what, String queueName, String failure) {
			QueueConsumer self = this;
			return new DefaultConsumer(this.channel) {

				@Override
				public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
						byte[] body) {
					if (self.lost) {
						return;
					}
					try {
						handler.handle(self, envelope, properties, body);
					}
					catch (RuntimeException ex) {
						logger.error("{} {} on '{}' {}", what, envelope.getDeliveryTag(), queueName, failure, ex);
					}
				}

				@Override
				public void handleCancel(String consumerTag) {
					lost(self, "cancelled by the broker (queue deleted?)");
					closeQuietly(self.channel);
				}

			};
		}

	}

	@FunctionalInterface
	private interface DeliveryHandler {

		void handle(QueueConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body);

	}

}
