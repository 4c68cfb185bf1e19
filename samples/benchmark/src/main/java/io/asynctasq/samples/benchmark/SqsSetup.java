package io.asynctasq.samples.benchmark;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.sqs.SqsDriver;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.util.SdkUserAgent;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The SQS driver against an ElasticMQ server started in the benchmark's JVM on a loopback port: a measure of
 * the driver and the SDK, not of AWS SQS (whose round trips are milliseconds, not tenths of one).
 */
final class SqsSetup implements DriverSetup {

	private final String prefix = "bench-" + ProcessHandle.current().pid() + "-";

	private final SQSRestServer server;

	private final SqsAsyncClient client;

	private final List<String> queues = new ArrayList<>();

	SqsSetup() {
		this.server = SQSRestServerBuilder.withPort(0).withInterface("127.0.0.1").start();
		int port = this.server.waitUntilStarted().localAddress().getPort();
		this.client = SqsAsyncClient.builder()
			.endpointOverride(URI.create("http://127.0.0.1:" + port))
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
			.build();
	}

	@Override
	public String label() {
		return "sqs (ElasticMQ, loopback)";
	}

	@Override
	public String versions() {
		return "ElasticMQ in-process, " + SdkUserAgent.create().userAgent().split(" ")[0];
	}

	@Override
	public QueueDriver createDriver() {
		return new SqsDriver(this.client, this.prefix);
	}

	@Override
	public void close() {
		List<CompletableFuture<?>> deletes = new ArrayList<>();
		for (String url : this.client.listQueues((request) -> request.queueNamePrefix(this.prefix)).join().queueUrls()) {
			deletes.add(this.client.deleteQueue((request) -> request.queueUrl(url)));
		}
		deletes.forEach(CompletableFuture::join);
		this.client.close();
		this.server.stopAndWait();
	}

}
