package io.asynctasq.driver.sqs;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.asynctasq.driver.DriverException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The URLs of the queues the driver uses, resolved once and cached; a queue that does not exist is created
 * (with the longest message retention SQS allows) unless creation is off. A queue deleted behind the driver's
 * back is resolved again on the next call ({@link #forget}).
 */
final class SqsQueueUrls {

	/** 14 days, the most SQS keeps a message: a task waiting longer is deleted by SQS (see docs/sqs.md). */
	static final String MAX_RETENTION_SECONDS = "1209600";

	private final SqsAsyncClient client;

	private final SqsCalls calls;

	private final boolean createQueues;

	private final Map<String, String> urls = new ConcurrentHashMap<>();

	SqsQueueUrls(SqsAsyncClient client, SqsCalls calls, boolean createQueues) {
		this.client = client;
		this.calls = calls;
		this.createQueues = createQueues;
	}

	/** The URL of {@code name}, created when missing (unless creation is off). */
	String url(String name) {
		String url = this.urls.get(name);
		if (url != null) {
			return url;
		}
		Optional<String> existing = lookUp(name);
		if (existing.isPresent()) {
			return existing.get();
		}
		if (!this.createQueues) {
			throw new DriverException("SQS queue '" + name + "' does not exist and asynctasq.sqs.create-queues=false: "
					+ "create it, or let the driver create its queues");
		}
		url = this.calls.await(this.client.createQueue(CreateQueueRequest.builder()
			.queueName(name)
			.attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, MAX_RETENTION_SECONDS))
			.build()), "create queue " + name).queueUrl();
		this.urls.put(name, url);
		return url;
	}

	/** The URL of {@code name} when the queue exists; never creates it. */
	Optional<String> existing(String name) {
		String url = this.urls.get(name);
		return (url != null) ? Optional.of(url) : lookUp(name);
	}

	/** Forgets the URL of a queue that turned out not to exist. */
	void forget(String name) {
		this.urls.remove(name);
	}

	private Optional<String> lookUp(String name) {
		try {
			String url = this.calls.await(this.client.getQueueUrl(GetQueueUrlRequest.builder().queueName(name).build()),
					"resolve queue " + name).queueUrl();
			this.urls.put(name, url);
			return Optional.of(url);
		}
		catch (DriverException ex) {
			if (SqsCalls.isMissingQueue(ex.getCause())) {
				return Optional.empty();
			}
			throw ex;
		}
	}

}
