package io.asynctasq.driver.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.asynctasq.driver.DriverException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The message calls of the driver, each bounded by the call timeout: sends in batches of ten (and of the size
 * limit), deletes one or in batches, visibility changes. A queue deleted behind the driver's back is resolved
 * (and created) again on the next call.
 */
final class SqsMessages {

	/** The most entries SQS takes in one batch call. */
	static final int MAX_BATCH = 10;

	private final SqsAsyncClient client;

	private final SqsCalls calls;

	private final SqsQueueUrls urls;

	private final int maxBatchBytes;

	SqsMessages(SqsAsyncClient client, SqsCalls calls, SqsQueueUrls urls, int maxBatchBytes) {
		this.client = client;
		this.calls = calls;
		this.urls = urls;
		this.maxBatchBytes = maxBatchBytes;
	}

	/**
	 * Sends {@code entries} to the queue named {@code queueName}, in as few batch calls as SQS allows; returns
	 * once SQS accepted every one.
	 * @throws DriverException when a call or an entry failed (the batches sent before it stay sent)
	 */
	void send(String queueName, List<SendMessageBatchRequestEntry> entries) {
		for (CompletableFuture<SendMessageBatchResponse> call : sendBatches(queueName, entries)) {
			SendMessageBatchResponse response;
			try {
				response = this.calls.await(call, "send tasks to " + queueName);
			}
			catch (DriverException ex) {
				if (SqsCalls.isMissingQueue(ex.getCause())) {
					this.urls.forget(queueName);
				}
				throw ex;
			}
			checkAccepted(queueName, response);
		}
	}

	/**
	 * Sends {@code entries} as {@link #send} does and returns at once: the future completes when SQS accepted
	 * every one, within the call timeout, and fails as {@code send} throws.
	 */
	CompletableFuture<Void> sendAsync(String queueName, List<SendMessageBatchRequestEntry> entries) {
		CompletableFuture<?>[] answers = sendBatches(queueName, entries).stream()
			.map((call) -> call.orTimeout(this.calls.timeout().toNanos(), TimeUnit.NANOSECONDS)
				.handle((response, failure) -> {
					if (failure != null) {
						Throwable cause = SqsCalls.unwrap(failure);
						if (SqsCalls.isMissingQueue(cause)) {
							this.urls.forget(queueName);
						}
						String what = "send tasks to " + queueName;
						throw (cause instanceof TimeoutException) ? SqsCalls.timedOut(what, this.calls.timeout(), cause)
								: SqsCalls.failure(what, cause);
					}
					checkAccepted(queueName, response);
					return response;
				}))
			.toArray(CompletableFuture[]::new);
		return CompletableFuture.allOf(answers);
	}

	/** The batch calls for {@code entries}, started: as few as SQS allows (ten entries, the size limit). */
	private List<CompletableFuture<SendMessageBatchResponse>> sendBatches(String queueName,
			List<SendMessageBatchRequestEntry> entries) {
		String url = this.urls.url(queueName);
		List<SendMessageBatchRequestEntry> batch = new ArrayList<>(MAX_BATCH);
		long batchBytes = 0;
		List<CompletableFuture<SendMessageBatchResponse>> sent = new ArrayList<>();
		for (SendMessageBatchRequestEntry entry : entries) {
			long bytes = entry.messageBody().length() * 3L;
			if (!batch.isEmpty() && (batch.size() == MAX_BATCH || batchBytes + bytes > this.maxBatchBytes)) {
				sent.add(sendBatch(url, batch));
				batch = new ArrayList<>(MAX_BATCH);
				batchBytes = 0;
			}
			batch.add(entry);
			batchBytes += bytes;
		}
		if (!batch.isEmpty()) {
			sent.add(sendBatch(url, batch));
		}
		return sent;
	}

	private static void checkAccepted(String queueName, SendMessageBatchResponse response) {
		if (response.hasFailed() && !response.failed().isEmpty()) {
			BatchResultErrorEntry failed = response.failed().get(0);
			throw new DriverException("SQS refused " + response.failed().size() + " task(s) sent to " + queueName
					+ ": " + failed.code() + ": " + failed.message());
		}
	}

	private CompletableFuture<SendMessageBatchResponse> sendBatch(String url, List<SendMessageBatchRequestEntry> batch) {
		return this.client.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(batch).build());
	}

	/**
	 * Deletes the message received with {@code receiptHandle}.
	 * @return {@code false} when SQS no longer honours the handle
	 */
	boolean delete(String queueName, String receiptHandle) {
		try {
			this.calls.await(this.client.deleteMessage(DeleteMessageRequest.builder()
				.queueUrl(this.urls.url(queueName))
				.receiptHandle(receiptHandle)
				.build()), "delete a message of " + queueName);
			return true;
		}
		catch (DriverException ex) {
			if (SqsCalls.isStaleReceipt(ex.getCause()) || SqsCalls.isMissingQueue(ex.getCause())) {
				return false;
			}
			throw ex;
		}
	}

	/**
	 * Deletes the messages received with {@code receiptHandles}, ten per call; element {@code i} of the answer
	 * says whether handle {@code i}'s message was deleted.
	 */
	boolean[] deleteAll(String queueName, List<String> receiptHandles) {
		boolean[] deleted = new boolean[receiptHandles.size()];
		String url = this.urls.url(queueName);
		List<CompletableFuture<DeleteMessageBatchResponse>> calls = new ArrayList<>();
		for (int from = 0; from < receiptHandles.size(); from += MAX_BATCH) {
			List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(MAX_BATCH);
			for (int i = from; i < Math.min(receiptHandles.size(), from + MAX_BATCH); i++) {
				entries.add(DeleteMessageBatchRequestEntry.builder()
					.id(Integer.toString(i))
					.receiptHandle(receiptHandles.get(i))
					.build());
			}
			calls.add(this.client
				.deleteMessageBatch(DeleteMessageBatchRequest.builder().queueUrl(url).entries(entries).build()));
		}
		for (CompletableFuture<DeleteMessageBatchResponse> call : calls) {
			DeleteMessageBatchResponse response = this.calls.await(call, "delete messages of " + queueName);
			response.successful().forEach((entry) -> deleted[Integer.parseInt(entry.id())] = true);
		}
		return deleted;
	}

	/**
	 * Hides each message received with {@code receiptHandles.get(i)} for {@code seconds.get(i)} from now, ten a
	 * call; element {@code i} of the answer is {@code false} when SQS no longer honours that handle.
	 * @throws DriverException when a call failed as a whole
	 */
	boolean[] changeVisibilityAll(String queueName, List<String> receiptHandles, List<Integer> seconds) {
		boolean[] changed = new boolean[receiptHandles.size()];
		String url = this.urls.url(queueName);
		List<CompletableFuture<ChangeMessageVisibilityBatchResponse>> calls = new ArrayList<>();
		for (int from = 0; from < receiptHandles.size(); from += MAX_BATCH) {
			List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(MAX_BATCH);
			for (int i = from; i < Math.min(receiptHandles.size(), from + MAX_BATCH); i++) {
				entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
					.id(Integer.toString(i))
					.receiptHandle(receiptHandles.get(i))
					.visibilityTimeout(seconds.get(i))
					.build());
			}
			calls.add(this.client.changeMessageVisibilityBatch(
					ChangeMessageVisibilityBatchRequest.builder().queueUrl(url).entries(entries).build()));
		}
		for (CompletableFuture<ChangeMessageVisibilityBatchResponse> call : calls) {
			ChangeMessageVisibilityBatchResponse response;
			try {
				response = this.calls.await(call, "change the visibility of messages of " + queueName);
			}
			catch (DriverException ex) {
				if (SqsCalls.isMissingQueue(ex.getCause())) {
					return changed; // every handle of a queue that is gone is stale
				}
				throw ex;
			}
			response.successful().forEach((entry) -> changed[Integer.parseInt(entry.id())] = true);
			for (BatchResultErrorEntry failed : response.failed()) {
				if (!SqsCalls.isStaleReceiptCode(failed.code())) {
					// not a lost lease: the renewal is tried again, every lease of it
					throw new DriverException("SQS refused to change the visibility of " + response.failed().size()
							+ " message(s) of " + queueName + ": " + failed.code() + ": " + failed.message());
				}
			}
		}
		return changed;
	}

	/**
	 * Hides the message received with {@code receiptHandle} for {@code seconds} from now.
	 * @return {@code false} when SQS no longer honours the handle
	 */
	boolean changeVisibility(String queueName, String receiptHandle, int seconds) {
		try {
			this.calls.await(this.client.changeMessageVisibility(ChangeMessageVisibilityRequest.builder()
				.queueUrl(this.urls.url(queueName))
				.receiptHandle(receiptHandle)
				.visibilityTimeout(seconds)
				.build()), "change the visibility of a message of " + queueName);
			return true;
		}
		catch (DriverException ex) {
			if (SqsCalls.isStaleReceipt(ex.getCause()) || SqsCalls.isMissingQueue(ex.getCause())) {
				return false;
			}
			throw ex;
		}
	}

}
