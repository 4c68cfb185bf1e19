package io.asynctasq.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the AWS SQS driver ({@code asynctasq.driver=sqs}), under {@code asynctasq.sqs.*}. With an
 * {@code SqsAsyncClient} bean in the context (Spring Cloud AWS's starter provides one) that client is used and
 * region, endpoint and credentials here are ignored.
 */
@ConfigurationProperties("asynctasq.sqs")
public class AsyncTasqSqsProperties {

	/** AWS region of the queues; unset: the SDK's default region chain (AWS_REGION, profile, instance). */
	private @Nullable String region;

	/** Endpoint to use instead of the region's (a local SQS-compatible server such as ElasticMQ). */
	private @Nullable String endpoint;

	/** Access key id; unset: the SDK's default credentials chain (environment, profile, instance role). */
	private @Nullable String accessKeyId;

	/** Secret access key, with access-key-id. */
	private @Nullable String secretAccessKey;

	/**
	 * What every SQS queue name of AsyncTasQ starts with: "prefix" + "q-queue" for tasks, "d-queue" for dead
	 * letters, "w-..." for worker heartbeats.
	 */
	private String queueNamePrefix = "asynctasq-";

	/** Whether missing queues are created; false: a missing queue fails the call naming it. */
	private boolean createQueues = true;

	/** Largest message SQS takes, body and attributes, in bytes (AWS SQS takes up to 1 MiB). */
	private int maxMessageSize = 262144;

	/** Longest time one call to SQS is waited for before it fails. */
	private Duration callTimeout = Duration.ofSeconds(10);

	public @Nullable String getRegion() {
		return this.region;
	}

	public void setRegion(@Nullable String region) {
		this.region = region;
	}

	public @Nullable String getEndpoint() {
		return this.endpoint;
	}

	public void setEndpoint(@Nullable String endpoint) {
		this.endpoint = endpoint;
	}

	public @Nullable String getAccessKeyId() {
		return this.accessKeyId;
	}

	public void setAccessKeyId(@Nullable String accessKeyId) {
		this.accessKeyId = accessKeyId;
	}

	public @Nullable String getSecretAccessKey() {
		return this.secretAccessKey;
	}

	public void setSecretAccessKey(@Nullable String secretAccessKey) {
		this.secretAccessKey = secretAccessKey;
	}

	public String getQueueNamePrefix() {
		return this.queueNamePrefix;
	}

	public void setQueueNamePrefix(String queueNamePrefix) {
		this.queueNamePrefix = queueNamePrefix;
	}

	public boolean isCreateQueues() {
		return this.createQueues;
	}

	public void setCreateQueues(boolean createQueues) {
		this.createQueues = createQueues;
	}

	public int getMaxMessageSize() {
		return this.maxMessageSize;
	}

	public void setMaxMessageSize(int maxMessageSize) {
		this.maxMessageSize = maxMessageSize;
	}

	public Duration getCallTimeout() {
		return this.callTimeout;
	}

	public void setCallTimeout(Duration callTimeout) {
		this.callTimeout = callTimeout;
	}

}
