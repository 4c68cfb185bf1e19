package io.asynctasq.driver.rabbitmq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.StoredTask;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.WorkerHeartbeat;
import org.jspecify.annotations.Nullable;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * The RabbitMQ driver, on the application's Spring AMQP {@link ConnectionFactory}: publisher confirms, push
 * consumers with manual acknowledgements, delays and dead letters without broker plugins. It delegates to its
 * components: {@link ConfirmPublisher}, {@link QueueConsumers} and their {@link LeaseTable}, {@link Settlement},
 * {@link DelayRouter}, {@link DeadLetterBrowser} and {@link WorkerBeats}. Callers go through
 * {@link io.asynctasq.driver.DriverFacade}, which checks the arguments and the closed state. Design notes: {@code docs/rabbitmq.md}.
 */
public class RabbitDriver implements QueueDriver {

	private static final int PUBLISH_CHANNELS = 4;

	/** Synchronisations at most per count of a consumed queue; see {@link #countConsumed}. */
	private static final int COUNT_ROUNDS = 10;

	private final RabbitTopology topology;

	private final TaskHeaders headers;

	private final BrokerConnection broker;

	private final ConfirmPublisher publisher;

	private final DelayRouter router;

	private final QueueConsumers consumers;

	private final LeaseTable leases;

	private final Settlement settlement;

	private final DeadLetterBrowser deadLetters;

	private final WorkerBeats workerBeats;

	private final @Nullable Duration deadLetterRetention;

	/** Set once by the first close: both the facade and the bean's destroy method may call it. */
	private final AtomicBoolean closed = new AtomicBoolean();

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
		this(connectionFactory, prefix, queueType, confirmTimeout, prefetch, null);
	}

	/**
	 * @param connectionFactory the application's connection factory; the driver opens its own channels on
	 * the factory's connection and never closes the factory
	 * @param prefix exchange name and queue name prefix
	 * @param queueType type of every queue declared
	 * @param confirmTimeout how long a publish waits for the broker's confirm
	 * @param prefetch unacknowledged deliveries per queue consumer; 0 = the largest reserve max, at least 10
	 * @param deadLetterRetention how long the broker keeps each dead letter this driver makes (its per-message
	 * expiration); {@code null}: for good
	 */
	public RabbitDriver(ConnectionFactory connectionFactory, String prefix, RabbitQueueType queueType,
			Duration confirmTimeout, int prefetch, @Nullable Duration deadLetterRetention) {
		if (deadLetterRetention != null && (deadLetterRetention.isNegative() || deadLetterRetention.isZero())) {
			throw new IllegalArgumentException("deadLetterRetention must be positive, was " + deadLetterRetention);
		}
		this.deadLetterRetention = deadLetterRetention;
		this.topology = new RabbitTopology(prefix, queueType);
		this.headers = new TaskHeaders(this.topology, deadLetterRetention);
		this.broker = new BrokerConnection(connectionFactory, this.topology);
		this.publisher = new ConfirmPublisher(this.broker::newChannel, this.topology.exchange(), confirmTimeout,
				PUBLISH_CHANNELS);
		this.router = new DelayRouter(this.topology, this.headers, this.publisher);
		this.consumers = new QueueConsumers(this.broker, this.topology, this.router, confirmTimeout, prefetch);
		this.leases = new LeaseTable(this.consumers);
		this.settlement = new Settlement(this.leases, this.headers, this.publisher);
		this.deadLetters = new DeadLetterBrowser(this.broker, this.topology, this.headers, this.publisher,
				confirmTimeout);
		this.workerBeats = new WorkerBeats(this.broker, this.topology, this.publisher, confirmTimeout);
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
		if (this.closed.get()) {
			throw new IllegalStateException("The RabbitMQ driver is closed");
		}
		queues.forEach(this.broker::declare);
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		this.publisher.publish(outgoing(messages, delay));
	}

	/** Publishes as {@link #enqueueAll} does; the future completes on the broker's confirms. */
	@Override
	public CompletableFuture<Void> enqueueAllAsync(List<TaskMessage> messages, Duration delay) {
		return this.publisher.publishAsync(outgoing(messages, delay));
	}

	/** The messages as they are published, their queues declared first. */
	private List<Outgoing> outgoing(List<TaskMessage> messages, Duration delay) {
		long now = System.currentTimeMillis();
		List<Outgoing> outgoing = new ArrayList<>(messages.size());
		for (TaskMessage message : messages) {
			this.broker.declare(message.queue());
			outgoing.add(this.headers.task(message, 0, delay, now));
		}
		return outgoing;
	}

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		this.consumers.asked(max);
		List<QueueConsumer> served = new ArrayList<>(queues.size());
		for (String queue : queues) {
			served.add(this.consumers.consumer(queue));
		}
		return this.leases.reserve(served, max, lease, wait);
	}

	@Override
	public boolean acknowledge(Reservation reservation) {
		return this.settlement.acknowledge(reservation);
	}

	@Override
	public boolean[] acknowledgeAll(List<Reservation> reservations) {
		return this.settlement.acknowledgeAll(reservations);
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		return this.settlement.retry(reservation, delay);
	}

	@Override
	public boolean release(Reservation reservation) {
		return this.settlement.release(reservation);
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		return this.settlement.postpone(reservation, delay);
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		return this.settlement.deadLetter(reservation, failure);
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		return this.leases.extend(reservation, lease);
	}

	/**
	 * Ready: the work queue's ready count on the broker plus deliveries buffered here; delayed: the delay and
	 * due queues'; in flight: the reservations held here; dead-lettered: the dead-letter queue's.
	 */
	@Override
	public QueueCounts counts(String queue) {
		this.broker.declare(queue);
		QueueConsumer consumer = this.consumers.live(queue);
		QueueCounts here;
		if (consumer != null) {
			here = countConsumed(queue, consumer);
		}
		else {
			long ready = this.broker.messageCount(List.of(this.topology.workQueue(queue)));
			here = new QueueCounts(ready, 0, this.leases.local(queue, null).held(), 0);
		}
		List<String> delayQueues = new ArrayList<>(this.topology.delayQueues(queue));
		delayQueues.add(0, this.topology.dueQueue(queue));
		long delayed = this.broker.messageCount(delayQueues);
		long dead = this.broker.messageCount(List.of(this.topology.deadLetterQueue(queue)));
		return new QueueCounts(here.ready(), delayed, here.inFlight(), dead);
	}

	/**
	 * The ready and in-flight counts of a queue this process consumes, each message counted once: a
	 * synchronisation, then a read of the buffer and the leases, repeated while a delivery arrived in between
	 * (at most {@value #COUNT_ROUNDS} rounds).
	 * <p>
	 * Why: the broker may answer the ready count before it applied the acknowledgements this channel sent: a
	 * quorum queue answers from its applied Raft state and applies a settle asynchronously; a classic queue
	 * answers a count before the acks waiting in its mailbox. A settle that frees the consumer's credit makes
	 * the broker deliver a message it still counted as ready; arriving during the synchronisation, that
	 * message would be counted twice. A round in which no delivery arrived counts none twice. A quorum queue
	 * that does not answer within 250 ms answers 0 ready and 0 consumers, which the consumer started here
	 * refutes, so that answer is asked again too. Bounded, as a busy queue delivers in every round: its count
	 * is a moving target anyway.
	 */
	private QueueCounts countConsumed(String queue, QueueConsumer consumer) {
		try {
			for (int round = 1;; round++) {
				long received = consumer.received();
				QueueConsumer.Answer answer = consumer.synchronise();
				LeaseTable.Local local = this.leases.local(queue, consumer);
				boolean settled = consumer.received() == received && answer.consumers() > 0;
				if (settled || consumer.lost || round == COUNT_ROUNDS) {
					return new QueueCounts(answer.ready() + local.buffered(), 0, local.held(), 0);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DriverException("Interrupted while counting '" + queue + "'", ex);
		}
	}

	@Override
	public List<DeadLetter> deadLetters(String queue, int offset, int limit) {
		return this.deadLetters.list(queue, offset, limit);
	}

	@Override
	public boolean retryDeadLetter(String queue, String taskId) {
		return this.deadLetters.retry(queue, taskId);
	}

	@Override
	public boolean deleteDeadLetter(String queue, String taskId) {
		return this.deadLetters.delete(queue, taskId);
	}

	@Override
	public long purgeDeadLetters(String queue) {
		return this.deadLetters.purge(queue);
	}

	/**
	 * The broker expires the dead letters itself when this driver was built with a retention: each dead letter is
	 * published with it as per-message {@code expiration}, and RabbitMQ drops an expired message as it reaches the
	 * head of the dead-letter queue (its oldest, the retention being the same for all). Dead letters made without
	 * a retention (before it was set) never expire that way (see {@code docs/rabbitmq.md}).
	 */
	@Override
	public boolean expiresDeadLettersItself() {
		return this.deadLetterRetention != null;
	}

	/**
	 * Nothing to do when the broker expires the dead letters itself ({@link #expiresDeadLettersItself()}): answers
	 * 0. Unsupported for a driver built without a retention: a queue's middle cannot be deleted from.
	 */
	@Override
	public long expireDeadLetters(String queue, Duration retention, int max) {
		if (this.deadLetterRetention == null) {
			throw new UnsupportedOperationException("The rabbitmq driver expires dead letters only through the "
					+ "per-message expiration it was built with (asynctasq.dead-letter.retention), and this one has none");
		}
		return 0;
	}

	/**
	 * Not supported: a broker hands messages out in order and cannot look one up by id ({@link #canFind()} is
	 * {@code false}; see {@code docs/rabbitmq.md}).
	 */
	@Override
	public Optional<StoredTask> find(String queue, String taskId) {
		throw new UnsupportedOperationException("The rabbitmq driver cannot find a task by id: a RabbitMQ queue "
				+ "cannot look a message up, only hand messages out in order");
	}

	/**
	 * Not supported: a broker is no store ({@link #storesResults()} is {@code false}; see
	 * {@code docs/rabbitmq.md}).
	 */
	@Override
	public void recordResult(TaskResult result, Duration ttl) {
		throw new UnsupportedOperationException("The rabbitmq driver does not store task results: RabbitMQ is a "
				+ "broker, not a store");
	}

	/** Not supported, as {@link #recordResult}. */
	@Override
	public Optional<TaskResult> result(String taskId) {
		throw new UnsupportedOperationException("The rabbitmq driver does not store task results: RabbitMQ is a "
				+ "broker, not a store");
	}

	/** A transient message expiring after {@code ttl} in the heartbeats queue ({@link WorkerBeats}). */
	@Override
	public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		this.workerBeats.beat(heartbeat, ttl);
	}

	@Override
	public void removeWorker(String workerId) {
		this.workerBeats.remove(workerId);
	}

	/**
	 * The latest beat of each worker in the heartbeats queue. A listing or removal running at the same time in
	 * another process may hide some workers from this one (see {@code docs/rabbitmq.md}).
	 */
	@Override
	public List<WorkerHeartbeat> workers() {
		return this.workerBeats.list();
	}

	@Override
	public void ping() {
		this.broker.ping();
	}

	/** Stops the consumers (the broker takes back what they held), the router, the publisher and the connection. */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		List<QueueConsumer> open = this.consumers.close();
		this.leases.clear();
		this.router.close();
		open.forEach(QueueConsumer::close);
		this.publisher.close();
		this.broker.close();
	}

}
