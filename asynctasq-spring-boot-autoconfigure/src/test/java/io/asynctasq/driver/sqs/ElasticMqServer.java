package io.asynctasq.driver.sqs;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ListQueuesResponse;

/**
 * An ElasticMQ server in this JVM on a loopback port, the SQS-compatible server of the SQS driver's tests, and
 * clients for it built as a user builds one (the SDK's defaults, an endpoint override, static credentials).
 */
public final class ElasticMqServer implements AutoCloseable {

	private final SQSRestServer server;

	private final int port;

	private ElasticMqServer(SQSRestServer server, int port) {
		this.server = server;
		this.port = port;
	}

	/** Starts a server on a free port. */
	public static ElasticMqServer start() {
		return start(0);
	}

	/** Starts a server on {@code port} (0: a free one). */
	public static ElasticMqServer start(int port) {
		SQSRestServer server = SQSRestServerBuilder.withPort(port).withInterface("127.0.0.1").start();
		int bound = server.waitUntilStarted().localAddress().getPort();
		return new ElasticMqServer(server, bound);
	}

	public int port() {
		return this.port;
	}

	public String endpoint() {
		return "http://127.0.0.1:" + this.port;
	}

	/** A client for the server at 127.0.0.1:{@code port}, with the SDK's default settings. */
	public static SqsAsyncClient client(int port) {
		return SqsAsyncClient.builder()
			.endpointOverride(URI.create("http://127.0.0.1:" + port))
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
			.build();
	}

	public SqsAsyncClient client() {
		return client(this.port);
	}

	/** Deletes every queue whose name starts with {@code prefix}, on a client of its own. */
	public void deleteQueues(String prefix) {
		try (SqsAsyncClient client = client()) {
			ListQueuesResponse queues = client.listQueues((request) -> request.queueNamePrefix(prefix)).join();
			List<java.util.concurrent.CompletableFuture<?>> deletes = new ArrayList<>();
			for (String url : queues.queueUrls()) {
				deletes.add(client.deleteQueue((request) -> request.queueUrl(url)));
			}
			deletes.forEach(java.util.concurrent.CompletableFuture::join);
		}
	}

	@Override
	public void close() {
		this.server.stopAndWait();
	}

}
