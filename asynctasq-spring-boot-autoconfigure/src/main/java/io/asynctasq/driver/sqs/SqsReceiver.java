package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.Reservation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Reserves tasks: from this process's buffers first, then with short receives of up to ten messages in strict
 * queue priority, then, when the caller may wait, with one long poll per queue (up to 20 s, cancelled on
 * close). A poll that answers after its caller stopped waiting leaves its messages in the buffers for the next
 * reserve. A message carrying a due time not reached yet (a delay longer than SQS holds) is sent again with
 * what remains, unrun and its attempt not counted.
 */
final class SqsReceiver {

	private static final Logger logger = LoggerFactory.getLogger(SqsReceiver.class);

	/** The longest long poll SQS takes. */
	static final int MAX_WAIT_SECONDS = 20;

	/** The longest SQS hides one receive of a message: 12 hours from the receive. */
	static final Duration MAX_VISIBILITY = Duration.ofHours(12);

	private final SqsAsyncClient client;

	private final SqsNames names;

	private final SqsQueueUrls urls;

	private final SqsCalls calls;

	private final SqsTaskFormat format;

	private final SqsMessages messages;

	private final SqsLeases leases;

	/** The long poll under way per queue; guarded by itself. */
	private final Map<String, CompletableFuture<?>> polls = new ConcurrentHashMap<>();

	private volatile @Nullable DriverException pollFailure;

	SqsReceiver(SqsAsyncClient client, SqsNames names, SqsQueueUrls urls, SqsCalls calls, SqsTaskFormat format,
			SqsMessages messages, SqsLeases leases) {
		this.client = client;
		this.names = names;
		this.urls = urls;
		this.calls = calls;
		this.format = format;
		this.messages = messages;
		this.leases = leases;
	}

	List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait) throws InterruptedException {
		long deadline = System.nanoTime() + wait.toNanos();
		int visibility = visibilitySeconds(lease);
		List<Reservation> reserved = new ArrayList<>(Math.min(max, 64));
		for (String queue : queues) {
			takeBuffered(queue, max, reserved, lease, visibility);
		}
		for (String queue : queues) {
			while (reserved.size() < max) {
				int asked = Math.min(SqsMessages.MAX_BATCH, max - reserved.size());
				List<SqsLeases.Held> received = receive(queue, asked, visibility, 0);
				admit(received, reserved, lease, visibility);
				if (received.size() < asked) {
					break;
				}
			}
			if (reserved.size() >= max) {
				break;
			}
		}
		if (!reserved.isEmpty() || wait.isZero()) {
			return reserved;
		}
		while (true) {
			if (this.leases.isClosed()) {
				return reserved;
			}
			long seen = this.leases.changes();
			DriverException failure = this.pollFailure;
			if (failure != null) {
				this.pollFailure = null;
				throw failure;
			}
			for (String queue : queues) {
				takeBuffered(queue, max, reserved, lease, visibility);
			}
			long remaining = deadline - System.nanoTime();
			if (!reserved.isEmpty() || remaining <= 0) {
				return reserved;
			}
			int waitSeconds = (int) Math.max(1, Math.min(MAX_WAIT_SECONDS, Duration.ofNanos(remaining).toSeconds()));
			for (String queue : queues) {
				startPoll(queue, visibility, waitSeconds);
			}
			this.leases.awaitChange(seen, remaining);
		}
	}

	private void takeBuffered(String queue, int max, List<Reservation> reserved, Duration lease, int visibility) {
		if (reserved.size() < max) {
			admit(this.leases.takeBuffered(queue, max - reserved.size()), reserved, lease, visibility);
		}
	}

	/**
	 * Leases what may run now; sends again what is not due yet; renews, one batch call per queue and ten
	 * messages, the visibility of those whose receive hid them for less than the lease (a long poll that waited
	 * before it answered).
	 */
	private void admit(List<SqsLeases.Held> held, List<Reservation> reserved, Duration lease, int visibility) {
		List<SqsLeases.Held> runnable = new ArrayList<>(held.size());
		Map<String, List<SqsLeases.Held>> hiddenTooBriefly = new LinkedHashMap<>();
		Instant wanted = Instant.now().plus(lease).minusSeconds(1);
		for (SqsLeases.Held message : held) {
			long now = System.currentTimeMillis();
			if (message.dueAtMillis > now) {
				sendAgainUntilDue(message, now);
				continue;
			}
			runnable.add(message);
			if (message.visibleUntil.isBefore(wanted)) {
				hiddenTooBriefly.computeIfAbsent(message.queue(), (queue) -> new ArrayList<>()).add(message);
			}
		}
		Set<SqsLeases.Held> lost = new HashSet<>();
		for (Map.Entry<String, List<SqsLeases.Held>> queue : hiddenTooBriefly.entrySet()) {
			List<SqsLeases.Held> messages = queue.getValue();
			Instant before = Instant.now();
			boolean[] changed = this.messages.changeVisibilityAll(this.names.workQueue(queue.getKey()),
					messages.stream().map((message) -> message.receiptHandle).toList(),
					Collections.nCopies(messages.size(), visibility));
			for (int i = 0; i < changed.length; i++) {
				if (changed[i]) {
					messages.get(i).visibleUntil = before.plusSeconds(visibility);
				}
				else {
					lost.add(messages.get(i));
				}
			}
		}
		for (SqsLeases.Held message : runnable) {
			if (!lost.contains(message)) {
				reserved.add(this.leases.lease(message));
			}
		}
	}

	private void sendAgainUntilDue(SqsLeases.Held message, long now) {
		Duration remaining = Duration.ofMillis(message.dueAtMillis - now);
		logger.debug("Task {} of queue '{}' is due in {}: sent again with the rest of its delay", message.message.id(),
				message.queue(), remaining);
		// the due time stays the one it was dispatched with: sent as a delay from now, it is the same instant
		this.messages.send(this.names.workQueue(message.queue()),
				List.of(this.format.task("0", message.message, message.storedAttempts, remaining)));
		this.messages.delete(this.names.workQueue(message.queue()), message.receiptHandle);
	}

	/** A short (or long) receive of up to {@code max} messages, each hidden for {@code visibility} seconds. */
	private List<SqsLeases.Held> receive(String queue, int max, int visibility, int waitSeconds) {
		String name = this.names.workQueue(queue);
		String url = this.urls.url(name);
		Instant before = Instant.now();
		try {
			ReceiveMessageResponse response = this.calls.await(this.client.receiveMessage(request(url, max, visibility, 0)),
					"receive tasks of queue '" + queue + "'");
			return held(queue, response, before, visibility);
		}
		catch (DriverException ex) {
			if (SqsCalls.isMissingQueue(ex.getCause())) {
				this.urls.forget(name);
			}
			throw ex;
		}
	}

	private void startPoll(String queue, int visibility, int waitSeconds) {
		if (this.polls.containsKey(queue)) {
			return;
		}
		String name = this.names.workQueue(queue);
		String url = this.urls.url(name);
		Instant before = Instant.now();
		CompletableFuture<ReceiveMessageResponse> poll = this.client
			.receiveMessage(request(url, SqsMessages.MAX_BATCH, visibility, waitSeconds))
			.orTimeout(waitSeconds + this.calls.timeout().toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
		if (this.polls.putIfAbsent(queue, poll) != null) {
			poll.cancel(true);
			return;
		}
		poll.whenComplete((response, error) -> {
			this.polls.remove(queue, poll);
			if (error != null) {
				if (!poll.isCancelled() && !this.leases.isClosed()) {
					if (SqsCalls.isMissingQueue(error)) {
						this.urls.forget(name);
					}
					this.pollFailure = SqsCalls.failure("receive tasks of queue '" + queue + "'", error);
				}
				this.leases.signal();
				return;
			}
			List<SqsLeases.Held> received = held(queue, response, before, visibility);
			if (this.leases.isClosed()) {
				// received while closing: given back at once, their receive not counted as an attempt
				received.forEach(this::giveBackToSqs);
				return;
			}
			if (received.isEmpty()) {
				this.leases.signal();
			}
			else {
				this.leases.buffer(received);
			}
		});
	}

	private ReceiveMessageRequest request(String url, int max, int visibility, int waitSeconds) {
		return ReceiveMessageRequest.builder()
			.queueUrl(url)
			.maxNumberOfMessages(max)
			.visibilityTimeout(visibility)
			.waitTimeSeconds(waitSeconds)
			.messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
					MessageSystemAttributeName.SENT_TIMESTAMP)
			.messageAttributeNames("All")
			.build();
	}

	private List<SqsLeases.Held> held(String queue, ReceiveMessageResponse response, Instant before, int visibility) {
		if (!response.hasMessages() || response.messages().isEmpty()) {
			return List.of();
		}
		List<SqsLeases.Held> held = new ArrayList<>(response.messages().size());
		Instant visibleUntil = before.plusSeconds(visibility);
		for (Message message : response.messages()) {
			SqsTaskFormat.Received received = this.format.read(queue, message);
			held.add(new SqsLeases.Held(received.message(), received.receiptHandle(), received.attemptsMade(),
					before, visibleUntil, received.dueAtMillis(), received.storedAttempts()));
		}
		return held;
	}

	/**
	 * Gives a message this process holds unrun back to SQS: sent again with the attempts made before it, then the
	 * received copy deleted, so its receive does not count as an attempt.
	 */
	void giveBackToSqs(SqsLeases.Held held) {
		try {
			long attempts = Math.max(0, held.attemptsMade);
			Duration delay = (held.dueAtMillis > System.currentTimeMillis())
					? Duration.ofMillis(held.dueAtMillis - System.currentTimeMillis()) : Duration.ZERO;
			this.messages.send(this.names.workQueue(held.queue()), List.of(this.format.task("0", held.message, attempts, delay)));
			this.messages.delete(this.names.workQueue(held.queue()), held.receiptHandle);
		}
		catch (RuntimeException ex) {
			logger.warn("Task {} of queue '{}' could not be given back to SQS: it is received again once its visibility "
					+ "timeout ends, its attempt counted", held.message.id(), held.queue(), ex);
		}
	}

	/** Cancels the long polls under way (close). */
	void close() {
		this.polls.values().forEach((poll) -> poll.cancel(true));
		this.polls.clear();
	}

	/** {@code lease} as the whole seconds of visibility SQS takes, rounded up, at most 12 hours. */
	static int visibilitySeconds(Duration lease) {
		return (int) Math.max(1, Math.min(MAX_VISIBILITY.toSeconds(), SqsTaskFormat.ceilSeconds(lease)));
	}

}
