package io.asynctasq.driver.sqs;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.asynctasq.driver.DriverException;
import io.asynctasq.driver.HeartbeatJson;
import io.asynctasq.driver.WorkerHeartbeat;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.DeleteQueueRequest;
import software.amazon.awssdk.services.sqs.model.ListQueueTagsRequest;
import software.amazon.awssdk.services.sqs.model.ListQueueTagsResponse;
import software.amazon.awssdk.services.sqs.model.ListQueuesRequest;
import software.amazon.awssdk.services.sqs.model.ListQueuesResponse;
import software.amazon.awssdk.services.sqs.model.TagQueueRequest;

/**
 * Worker heartbeats in SQS, which has no store: each worker owns an empty queue ({@link SqsNames#workerQueue})
 * whose tags hold its latest beat, {@link HeartbeatJson} in Base64 across tags of 256 characters, with the
 * time it expires. A listing finds the queues by name prefix and reads their tags, leaving out expired beats;
 * a removal deletes the worker's queue. A worker id is used once, so SQS's wait before a deleted queue's name
 * is free again never matters.
 */
final class SqsWorkerBeats {

	private static final String EXPIRES_AT = "expires-at";

	private static final String CHUNKS = "chunks";

	private static final String CHUNK = "beat-";

	/** SQS's limit on a tag value's length. */
	private static final int CHUNK_LENGTH = 256;

	/** SQS allows 50 tags per queue: two of them say when the beat expires and how many chunks it has. */
	private static final int MAX_CHUNKS = 48;

	private final SqsAsyncClient client;

	private final SqsNames names;

	private final SqsCalls calls;

	private final Map<String, String> urls = new java.util.concurrent.ConcurrentHashMap<>();

	SqsWorkerBeats(SqsAsyncClient client, SqsNames names, SqsCalls calls) {
		this.client = client;
		this.names = names;
		this.calls = calls;
	}

	void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		String encoded = Base64.getEncoder().encodeToString(HeartbeatJson.toJson(heartbeat).getBytes(StandardCharsets.UTF_8));
		int chunks = (encoded.length() + CHUNK_LENGTH - 1) / CHUNK_LENGTH;
		if (chunks > MAX_CHUNKS) {
			throw new IllegalArgumentException("The heartbeat of worker " + heartbeat.workerId() + " is too large for SQS tags");
		}
		Map<String, String> tags = new HashMap<>();
		tags.put(EXPIRES_AT, Long.toString(System.currentTimeMillis() + ttl.toMillis()));
		tags.put(CHUNKS, Integer.toString(chunks));
		for (int i = 0; i < chunks; i++) {
			tags.put(CHUNK + i, encoded.substring(i * CHUNK_LENGTH, Math.min(encoded.length(), (i + 1) * CHUNK_LENGTH)));
		}
		String name = this.names.workerQueue(heartbeat.workerId());
		String url = this.urls.get(name);
		if (url == null) {
			url = this.calls.await(this.client.createQueue(CreateQueueRequest.builder().queueName(name).build()),
					"record the heartbeat of worker " + heartbeat.workerId()).queueUrl();
			this.urls.put(name, url);
		}
		try {
			this.calls.await(this.client.tagQueue(TagQueueRequest.builder().queueUrl(url).tags(tags).build()),
					"record the heartbeat of worker " + heartbeat.workerId());
		}
		catch (DriverException ex) {
			if (SqsCalls.isMissingQueue(ex.getCause())) {
				this.urls.remove(name);
			}
			throw ex;
		}
	}

	void remove(String workerId) {
		String name = this.names.workerQueue(workerId);
		this.urls.remove(name);
		try {
			String url = this.calls.await(this.client.getQueueUrl((request) -> request.queueName(name)),
					"remove the heartbeat of worker " + workerId).queueUrl();
			this.calls.await(this.client.deleteQueue(DeleteQueueRequest.builder().queueUrl(url).build()),
					"remove the heartbeat of worker " + workerId);
		}
		catch (DriverException ex) {
			if (!SqsCalls.isMissingQueue(ex.getCause())) {
				throw ex;
			}
		}
	}

	List<WorkerHeartbeat> workers() {
		List<String> queueUrls = new ArrayList<>();
		String nextToken = null;
		do {
			ListQueuesRequest.Builder request = ListQueuesRequest.builder()
				.queueNamePrefix(this.names.workerQueuePrefix())
				.maxResults(1000);
			if (nextToken != null) {
				request.nextToken(nextToken);
			}
			ListQueuesResponse response = this.calls.await(this.client.listQueues(request.build()), "list the workers");
			queueUrls.addAll(response.queueUrls());
			nextToken = response.nextToken();
		}
		while (nextToken != null && !nextToken.isEmpty());
		List<CompletableFuture<ListQueueTagsResponse>> reads = new ArrayList<>();
		for (String url : queueUrls) {
			reads.add(this.client.listQueueTags(ListQueueTagsRequest.builder().queueUrl(url).build()));
		}
		long now = System.currentTimeMillis();
		List<WorkerHeartbeat> workers = new ArrayList<>();
		for (int i = 0; i < reads.size(); i++) {
			Map<String, String> tags;
			try {
				tags = this.calls.await(reads.get(i), "list the workers").tags();
			}
			catch (DriverException ex) {
				if (SqsCalls.isMissingQueue(ex.getCause())) {
					continue; // removed while listed
				}
				throw ex;
			}
			read(tags, now, queueUrls.get(i)).ifPresent(workers::add);
		}
		workers.sort(Comparator.comparing(WorkerHeartbeat::workerId));
		return workers;
	}

	private static Optional<WorkerHeartbeat> read(Map<String, String> tags, long now, String where) {
		try {
			if (Long.parseLong(tags.getOrDefault(EXPIRES_AT, "0")) <= now) {
				return Optional.empty();
			}
			int chunks = Integer.parseInt(tags.getOrDefault(CHUNKS, "0"));
			StringBuilder encoded = new StringBuilder(chunks * CHUNK_LENGTH);
			for (int i = 0; i < chunks; i++) {
				encoded.append(tags.getOrDefault(CHUNK + i, ""));
			}
			return HeartbeatJson.read(new String(Base64.getDecoder().decode(encoded.toString()), StandardCharsets.UTF_8),
					where);
		}
		catch (IllegalArgumentException ex) {
			return HeartbeatJson.read("", where);
		}
	}

}
