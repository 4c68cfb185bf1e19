package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import io.asynctasq.driver.DeadLetter;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/**
 * The dead letters of a queue, in its companion dead-letter queue. SQS cannot read a queue without receiving
 * it, so listing, retrying and deleting browse it: every message is received (hidden for a moment), the ones
 * acted on are deleted, and the others made visible again at once. Two browses at once each see part of the
 * queue; a browse reads {@value #MAX_BROWSED} dead letters at most.
 */
final class SqsDeadLetters {

	static final int MAX_BROWSED = 10_000;

	/** How long a browse hides what it received: long enough to read the whole queue, short if it dies. */
	private static final int BROWSE_VISIBILITY_SECONDS = 30;

	private final SqsAsyncClient client;

	private final SqsNames names;

	private final SqsQueueUrls urls;

	private final SqsCalls calls;

	private final SqsTaskFormat format;

	private final SqsMessages messages;

	SqsDeadLetters(SqsAsyncClient client, SqsNames names, SqsQueueUrls urls, SqsCalls calls, SqsTaskFormat format,
			SqsMessages messages) {
		this.client = client;
		this.names = names;
		this.urls = urls;
		this.calls = calls;
		this.format = format;
		this.messages = messages;
	}

	/** Sends {@code entry}'s task to {@code queue}'s dead-letter queue. */
	void add(String queue, io.asynctasq.driver.TaskMessage message, int attempts, DeadLetter.Failure failure) {
		this.messages.send(this.names.deadLetterQueue(queue), List.of(this.format.deadLetter("0", message, attempts, failure)));
	}

	List<DeadLetter> list(String queue, int offset, int limit) {
		List<DeadLetter> page = new ArrayList<>();
		browse(queue, (all) -> {
			for (int i = offset; i < Math.min(all.size(), offset + (long) limit); i++) {
				page.add(all.get(i).deadLetter());
			}
			return List.of();
		});
		return page;
	}

	boolean retry(String queue, String taskId) {
		Optional<Browsed> found = deleteWhere(queue, (browsed) -> browsed.deadLetter().id().equals(taskId), 1,
				(browsed) -> this.messages.send(this.names.workQueue(queue),
						List.of(this.format.task("0", browsed.deadLetter().message(), 0, Duration.ZERO))))
			.stream()
			.findFirst();
		return found.isPresent();
	}

	boolean delete(String queue, String taskId) {
		return !deleteWhere(queue, (browsed) -> browsed.deadLetter().id().equals(taskId), 1, (browsed) -> {
		}).isEmpty();
	}

	long purge(String queue) {
		long purged = 0;
		while (true) {
			int deleted = deleteWhere(queue, (browsed) -> true, MAX_BROWSED, (browsed) -> {
			}).size();
			purged += deleted;
			if (deleted < MAX_BROWSED) {
				return purged;
			}
		}
	}

	long expire(String queue, Duration retention, int max) {
		Instant cutoff = Instant.now().minus(retention);
		return deleteWhere(queue, (browsed) -> !browsed.deadLetter().deadLetteredAt().isAfter(cutoff), max, (browsed) -> {
		}).size();
	}

	/**
	 * Deletes up to {@code max} dead letters, oldest first, that {@code which} picks, each after {@code before}
	 * ran for it (a retry sends it back first); returns them.
	 */
	private List<Browsed> deleteWhere(String queue, Predicate<Browsed> which, int max,
			java.util.function.Consumer<Browsed> before) {
		List<Browsed> acted = new ArrayList<>();
		browse(queue, (all) -> {
			List<Browsed> picked = new ArrayList<>();
			for (Browsed browsed : all) {
				if (picked.size() < max && which.test(browsed)) {
					picked.add(browsed);
				}
			}
			for (Browsed browsed : picked) {
				before.accept(browsed);
			}
			boolean[] deleted = this.messages.deleteAll(this.names.deadLetterQueue(queue),
					picked.stream().map(Browsed::receiptHandle).toList());
			for (int i = 0; i < deleted.length; i++) {
				if (deleted[i]) {
					acted.add(picked.get(i));
				}
			}
			return picked;
		});
		return acted;
	}

	/**
	 * Receives every dead letter of {@code queue} (up to {@link #MAX_BROWSED}), oldest first, hands them to
	 * {@code action}, and makes visible again all but those it returns (it deleted them).
	 */
	private void browse(String queue, java.util.function.Function<List<Browsed>, List<Browsed>> action) {
		String name = this.names.deadLetterQueue(queue);
		Optional<String> url = this.urls.existing(name);
		if (url.isEmpty()) {
			action.apply(List.of());
			return;
		}
		List<Browsed> all = new ArrayList<>();
		try {
			while (all.size() < MAX_BROWSED) {
				List<Message> received = this.calls.await(this.client.receiveMessage(ReceiveMessageRequest.builder()
					.queueUrl(url.get())
					.maxNumberOfMessages(SqsMessages.MAX_BATCH)
					.visibilityTimeout(BROWSE_VISIBILITY_SECONDS)
					.waitTimeSeconds(0)
					.messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP,
							MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)
					.messageAttributeNames("All")
					.build()), "read the dead letters of queue '" + queue + "'").messages();
				if (received.isEmpty()) {
					break;
				}
				for (Message message : received) {
					all.add(new Browsed(this.format.readDeadLetter(queue, message), message.receiptHandle(), all.size()));
				}
			}
			all.sort(Comparator.comparing((Browsed browsed) -> browsed.deadLetter().deadLetteredAt())
				.thenComparingInt(Browsed::order));
			List<Browsed> kept = new ArrayList<>(all);
			kept.removeAll(action.apply(all));
			all = kept;
		}
		finally {
			makeVisible(url.get(), all);
		}
	}

	private void makeVisible(String url, List<Browsed> browsed) {
		for (int from = 0; from < browsed.size(); from += SqsMessages.MAX_BATCH) {
			List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
			for (int i = from; i < Math.min(browsed.size(), from + SqsMessages.MAX_BATCH); i++) {
				entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
					.id(Integer.toString(i))
					.receiptHandle(browsed.get(i).receiptHandle())
					.visibilityTimeout(0)
					.build());
			}
			this.calls.await(this.client.changeMessageVisibilityBatch(
					ChangeMessageVisibilityBatchRequest.builder().queueUrl(url).entries(entries).build()),
					"make dead letters visible again");
		}
	}

	/** A dead letter received by a browse, in the order it was received. */
	private record Browsed(DeadLetter deadLetter, String receiptHandle, int order) {

	}

}
