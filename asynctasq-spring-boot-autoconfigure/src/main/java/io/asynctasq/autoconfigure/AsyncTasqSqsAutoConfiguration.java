package io.asynctasq.autoconfigure;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.sqs.SqsDriver;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClientBuilder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The AWS SQS driver, when {@code asynctasq.driver=sqs} and the AWS SDK's SQS module is on the classpath: it
 * uses the application's {@link SqsAsyncClient} when there is one, else builds one from {@code asynctasq.sqs.*}
 * with the SDK's defaults (and closes it with the driver). FIFO names among the configured queues stop startup.
 */
@AutoConfiguration(before = AsyncTasqAutoConfiguration.class,
		afterName = "io.awspring.cloud.autoconfigure.sqs.SqsAutoConfiguration")
@ConditionalOnClass(SqsAsyncClient.class)
@ConditionalOnProperty(name = "asynctasq.driver", havingValue = "sqs")
@EnableConfigurationProperties({ AsyncTasqSqsProperties.class, AsyncTasqProperties.class })
public final class AsyncTasqSqsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(QueueDriver.class)
	SqsDriver asyncTasqSqsDriver(ObjectProvider<SqsAsyncClient> applicationClient, AsyncTasqSqsProperties sqs,
			AsyncTasqProperties properties) {
		SqsAsyncClient client = applicationClient.getIfUnique();
		boolean owns = client == null;
		if (client == null) {
			client = buildClient(sqs);
		}
		SqsDriver driver;
		try {
			driver = new SqsDriver(client, owns, sqs.getQueueNamePrefix(), sqs.isCreateQueues(), sqs.getMaxMessageSize(),
					SqsDriver.DEFAULT_MAX_DELAY, sqs.getCallTimeout());
		}
		catch (IllegalArgumentException ex) {
			if (owns) {
				client.close();
			}
			throw new InvalidAsyncTasqPropertyException("asynctasq.sqs.queue-name-prefix", sqs.getQueueNamePrefix(),
					ex.getMessage(), "Set asynctasq.sqs.queue-name-prefix to letters, digits, '-' or '_', or remove it.");
		}
		Set<String> queues = new LinkedHashSet<>(properties.getWorker().getQueues());
		queues.add(properties.getDefaultQueue());
		try {
			driver.checkQueues(List.copyOf(queues));
		}
		catch (IllegalArgumentException ex) {
			driver.close();
			throw new InvalidAsyncTasqPropertyException("asynctasq.worker.queues", String.join(",", queues),
					ex.getMessage(), "Rename the queue so it does not end in '.fifo'.");
		}
		return driver;
	}

	private static SqsAsyncClient buildClient(AsyncTasqSqsProperties sqs) {
		SqsAsyncClientBuilder builder = SqsAsyncClient.builder();
		if (sqs.getRegion() != null) {
			builder.region(Region.of(sqs.getRegion()));
		}
		if (sqs.getEndpoint() != null) {
			builder.endpointOverride(URI.create(sqs.getEndpoint()));
		}
		if (sqs.getAccessKeyId() != null && sqs.getSecretAccessKey() != null) {
			builder.credentialsProvider(
					StaticCredentialsProvider.create(AwsBasicCredentials.create(sqs.getAccessKeyId(), sqs.getSecretAccessKey())));
		}
		return builder.build();
	}

}
