package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.WorkerHeartbeat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.ListQueuesRequest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The AWS SQS driver: a standard queue per queue for its tasks and one for its dead letters, named from a
 * prefix ({@link SqsNames}); the lease is the visibility timeout, extended with {@code ChangeMessageVisibility};
 * a retry, a postponement and a dead letter send a new copy and delete the received one. SQS counts are
 * approximate. Limits (delays over 15 minutes, leases over 12 hours, message size, FIFO queues) in
 * {@code docs/sqs.md}.
 */
public final class SqsDriver implements QueueDriver {

	private static final Logger logger = LoggerFactory.getLogger(SqsDriver.class);

	/** The largest message, body and attributes, every SQS-compatible server takes (AWS SQS takes up to 1 MiB). */
	public static final int DEFAULT_MAX_MESSAGE_SIZE = 262_144;

	/** The longest {@code DelaySeconds} SQS takes. */
	public static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(15);

	/** The longest one call to SQS is waited for. */
	public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

	private final SqsAsyncClient client;

	private final boolean ownsClient;

	private final SqsNames names;

	private final SqsQueueUrls urls;

	private final SqsCalls calls;

	private final SqsTaskFormat format;

	private final SqsMessages messages;

	private final SqsLeases leases = new SqsLeases();

	private final SqsReceiver receiver;

	private final SqsDeadLetters deadLetters;

	private final SqsWorkerBeats beats;

	private volatile boolean closed;

	/** The longest SQS hides one receive: 12 hours; shorter only in tests. */
	private Duration maxVisibility = SqsReceiver.MAX_VISIBILITY;

	/**
	 * @param client the client; closed with the driver when {@code ownsClient}
	 * @param prefix what every queue name of the driver starts with (a namespace)
	 * @param createQueues whether a missing queue is created
	 * @param maxMessageSize the largest message SQS takes, in bytes
	 * @param maxDelay the longest delay SQS holds a message for ({@link #DEFAULT_MAX_DELAY}; smaller in tests)
	 * @param callTimeout the longest one call is waited for
	 */
	public SqsDriver(SqsAsyncClient client, boolean ownsClient, String prefix, boolean createQueues, int maxMessageSize,
			Duration maxDelay, Duration callTimeout) {
		if (maxDelay.isNegative() || maxDelay.isZero() || maxDelay.compareTo(DEFAULT_MAX_DELAY) > 0) {
			throw new IllegalArgumentException("The longest SQS delay is between 1 second and 15 minutes: " + maxDelay);
		}
		this.client = client;
		this.ownsClient = ownsClient;
		this.names = new SqsNames(prefix);
		this.calls = new SqsCalls(callTimeout);
		this.urls = new SqsQueueUrls(client, this.calls, createQueues);
		this.format = new SqsTaskFormat(maxMessageSize, maxDelay);
		this.messages = new SqsMessages(client, this.calls, this.urls, maxMessageSize);
		this.receiver = new SqsReceiver(client, this.names, this.urls, this.calls, this.format, this.messages, this.leases);
		this.deadLetters = new SqsDeadLetters(client, this.names, this.urls, this.calls, this.format, this.messages);
		this.beats = new SqsWorkerBeats(client, this.names, this.calls);
	}

	/** A driver with the defaults, on a client it does not own. */
	public SqsDriver(SqsAsyncClient client, String prefix) {
		this(client, false, prefix, true, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_DELAY, DEFAULT_CALL_TIMEOUT);
	}

	/** Makes the 12-hour cap on one receive's visibility {@code maxVisibility}, so a test can reach it. */
	SqsDriver withMaxVisibility(Duration maxVisibility) {
		this.maxVisibility = maxVisibility;
		return this;
	}

	@Override
	public String name() {
		return "sqs";
	}

	/** Refuses queue names SQS cannot serve (FIFO names), at startup rather than at the first dispatch. */
	public void checkQueues(List<String> queues) {
		queues.forEach(SqsNames::refuseFifo);
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		batchEntries(messages, delay).forEach(this.messages::send);
	}

	/** Sends as {@link #enqueueAll} does; the future completes on SQS's responses. */
	@Override
	public CompletableFuture<Void> enqueueAllAsync(List<TaskMessage> messages, Duration delay) {
		return CompletableFuture.allOf(batchEntries(messages, delay).entrySet()
			.stream()
			.map((queue) -> this.messages.sendAsync(queue.getKey(), queue.getValue()))
			.toArray(CompletableFuture[]::new));
	}

	/** The entries to send, by work queue, each numbered within the call. */
	private Map<String, List<SendMessageBatchRequestEntry>> batchEntries(List<TaskMessage> messages, Duration delay) {
		Map<String, List<SendMessageBatchRequestEntry>> byQueue = new LinkedHashMap<>();
		for (int i = 0; i < messages.size(); i++) {
			TaskMessage message = messages.get(i);
			byQueue.computeIfAbsent(this.names.workQueue(message.queue()), (queue) -> new ArrayList<>())
				.add(this.format.task(Integer.toString(i), message, 0, delay));
		}
		return byQueue;
	}

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		return this.receiver.reserve(queues, max, lease, wait);
	}

	@Override
	public boolean acknowledge(Reservation reservation) {
		SqsLeases.Held held = this.leases.take(reservation);
		if (held == null) {
			return false;
		}
		try {
			return this.messages.delete(this.names.workQueue(held.queue()), held.receiptHandle);
		}
		catch (RuntimeException ex) {
			this.leases.restore(reservation, held);
			throw ex;
		}
	}

	@Override
	public boolean[] acknowledgeAll(List<Reservation> reservations) {
		boolean[] acknowledged = new boolean[reservations.size()];
		Map<String, List<Integer>> byQueue = new LinkedHashMap<>();
		SqsLeases.Held[] held = new SqsLeases.Held[reservations.size()];
		for (int i = 0; i < held.length; i++) {
			held[i] = this.leases.take(reservations.get(i));
			if (held[i] != null) {
				byQueue.computeIfAbsent(held[i].queue(), (queue) -> new ArrayList<>()).add(i);
			}
		}
		for (Map.Entry<String, List<Integer>> queue : byQueue.entrySet()) {
			List<Integer> indexes = queue.getValue();
			try {
				boolean[] deleted = this.messages.deleteAll(this.names.workQueue(queue.getKey()),
						indexes.stream().map((i) -> held[i].receiptHandle).toList());
				for (int j = 0; j < deleted.length; j++) {
					acknowledged[indexes.get(j)] = deleted[j];
				}
			}
			catch (RuntimeException ex) {
				for (int i = 0; i < held.length; i++) {
					if (held[i] != null && !acknowledged[i]) {
						this.leases.restore(reservations.get(i), held[i]);
					}
				}
				throw ex;
			}
		}
		return acknowledged;
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		// the failed attempt stays counted: the new copy carries it
		return replace(reservation, reservation.attempt(), delay);
	}

	@Override
	public boolean release(Reservation reservation) {
		SqsLeases.Held held = this.leases.take(reservation);
		if (held == null) {
			return false;
		}
		this.leases.giveBack(held);
		return true;
	}

	@Override
	public boolean postpone(Reservation reservation, Duration delay) {
		if (delay.isZero()) {
			return release(reservation);
		}
		return replace(reservation, reservation.attempt() - 1L, delay);
	}

	/** Sends a new copy of the task with {@code attemptsMade}, visible after {@code delay}, then deletes the received one. */
	private boolean replace(Reservation reservation, long attemptsMade, Duration delay) {
		SqsLeases.Held held = this.leases.take(reservation);
		if (held == null) {
			return false;
		}
		String queue = this.names.workQueue(held.queue());
		try {
			this.messages.send(queue, List.of(this.format.task("0", held.message, attemptsMade, delay)));
		}
		catch (RuntimeException ex) {
			this.leases.restore(reservation, held);
			throw ex;
		}
		deleteReplaced(queue, held);
		return true;
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		SqsLeases.Held held = this.leases.take(reservation);
		if (held == null) {
			return false;
		}
		try {
			this.deadLetters.add(held.queue(), held.message, reservation.attempt(), failure);
		}
		catch (RuntimeException ex) {
			this.leases.restore(reservation, held);
			throw ex;
		}
		deleteReplaced(this.names.workQueue(held.queue()), held);
		return true;
	}

	/**
	 * The visibility, in seconds from {@code now}, that extends {@code held} by {@code lease} without passing
	 * the cap of one receive; 0 or less once the cap has passed. Reaching the cap logs an error, once a task.
	 */
	private int cappedVisibility(SqsLeases.Held held, Duration lease, Instant now) {
		Instant cap = held.receivedAt.plus(this.maxVisibility);
		long seconds = SqsReceiver.visibilitySeconds(lease);
		if (now.plusSeconds(seconds).isAfter(cap)) {
			if (!held.capLogged) {
				held.capLogged = true;
				logger.error("Task {} of queue '{}' has run for {} since SQS handed it out: SQS hides one receive of a "
						+ "message for {} at most, so once that passes another worker may receive and run it "
						+ "again (at least once). Split work this long into shorter tasks.", held.message.id(),
						held.queue(), Duration.between(held.receivedAt, now), this.maxVisibility);
			}
			seconds = Duration.between(now, cap).toSeconds();
		}
		return (int) seconds;
	}

	/** Deletes a received copy whose replacement SQS accepted; should that fail, the task runs twice, never zero times. */
	private void deleteReplaced(String queue, SqsLeases.Held held) {
		try {
			this.messages.delete(queue, held.receiptHandle);
		}
		catch (RuntimeException ex) {
			logger.warn("Task {}: its new copy was sent but the received one could not be deleted from {}; it is "
					+ "received again once its visibility timeout ends", held.message.id(), queue, ex);
		}
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		SqsLeases.Held held = this.leases.held(reservation);
		if (held == null) {
			return false;
		}
		Instant now = Instant.now();
		int seconds = cappedVisibility(held, lease, now);
		if (seconds <= 0) {
			this.leases.drop(reservation);
			return false;
		}
		if (!this.messages.changeVisibility(this.names.workQueue(held.queue()), held.receiptHandle, seconds)) {
			this.leases.drop(reservation);
			return false;
		}
		held.visibleUntil = now.plusSeconds(seconds);
		return true;
	}

	/**
	 * Extends the leases with {@code ChangeMessageVisibilityBatch}, ten receipts a call, per queue; a lease past
	 * the 12-hour cap of one receive is handled as {@link #extendLease} handles it.
	 */
	@Override
	public boolean[] extendLeases(List<Reservation> reservations, Duration lease) {
		boolean[] extended = new boolean[reservations.size()];
		Instant now = Instant.now();
		Map<String, List<Integer>> byQueue = new LinkedHashMap<>();
		SqsLeases.Held[] held = new SqsLeases.Held[reservations.size()];
		int[] seconds = new int[reservations.size()];
		for (int i = 0; i < held.length; i++) {
			held[i] = this.leases.held(reservations.get(i));
			if (held[i] == null) {
				continue;
			}
			seconds[i] = cappedVisibility(held[i], lease, now);
			if (seconds[i] <= 0) {
				this.leases.drop(reservations.get(i));
				continue;
			}
			byQueue.computeIfAbsent(held[i].queue(), (queue) -> new ArrayList<>()).add(i);
		}
		for (Map.Entry<String, List<Integer>> queue : byQueue.entrySet()) {
			List<Integer> indexes = queue.getValue();
			boolean[] changed = this.messages.changeVisibilityAll(this.names.workQueue(queue.getKey()),
					indexes.stream().map((i) -> held[i].receiptHandle).toList(),
					indexes.stream().map((i) -> seconds[i]).toList());
			for (int j = 0; j < changed.length; j++) {
				int i = indexes.get(j);
				extended[i] = changed[j];
				if (changed[j]) {
					held[i].visibleUntil = now.plusSeconds(seconds[i]);
				}
				else {
					this.leases.drop(reservations.get(i));
				}
			}
		}
		return extended;
	}

	@Override
	public QueueCounts counts(String queue) {
		long ready = 0;
		long delayed = 0;
		long inFlight = 0;
		var work = this.urls.existing(this.names.workQueue(queue));
		if (work.isPresent()) {
			Map<QueueAttributeName, String> attributes = attributes(work.get(), queue);
			ready = number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
			delayed = number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
			inFlight = number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
			int buffered = this.leases.buffered(queue);
			ready += Math.min(buffered, inFlight);
			inFlight = Math.max(0, inFlight - buffered);
		}
		long dead = 0;
		var deadQueue = this.urls.existing(this.names.deadLetterQueue(queue));
		if (deadQueue.isPresent()) {
			Map<QueueAttributeName, String> attributes = attributes(deadQueue.get(), queue);
			dead = number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
					+ number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)
					+ number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
		}
		return new QueueCounts(ready, delayed, inFlight, dead);
	}

	private Map<QueueAttributeName, String> attributes(String url, String queue) {
		return this.calls.await(this.client.getQueueAttributes(GetQueueAttributesRequest.builder()
			.queueUrl(url)
			.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
					QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED,
					QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)
			.build()), "count the tasks of queue '" + queue + "'").attributes();
	}

	private static long number(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
		String value = attributes.get(name);
		return (value != null) ? Long.parseLong(value) : 0;
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

	@Override
	public long expireDeadLetters(String queue, Duration retention, int max) {
		return this.deadLetters.expire(queue, retention, max);
	}

	@Override
	public void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		this.beats.beat(heartbeat, ttl);
	}

	@Override
	public void removeWorker(String workerId) {
		this.beats.remove(workerId);
	}

	@Override
	public List<WorkerHeartbeat> workers() {
		return this.beats.workers();
	}

	@Override
	public void ping() {
		this.calls.await(this.client.listQueues(ListQueuesRequest.builder()
			.queueNamePrefix(this.names.prefix() + "q-")
			.maxResults(1)
			.build()), "list queues (ping)");
	}

	/**
	 * Cancels the long polls, gives the tasks this process holds unrun back to SQS (sent again with their
	 * attempts, so their receive does not count), and closes the client when the driver built it.
	 */
	@Override
	public void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		List<SqsLeases.Held> buffered = this.leases.close();
		this.receiver.close();
		for (SqsLeases.Held held : buffered) {
			this.receiver.giveBackToSqs(held);
		}
		if (this.ownsClient) {
			try {
				this.client.close();
			}
			catch (RuntimeException ex) {
				logger.warn("Closing the SQS client failed", ex);
			}
		}
	}

}
