package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqSqsAutoConfiguration;
import io.asynctasq.driver.QueueDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code asynctasq.driver=sqs} wiring, on an ElasticMQ server in this JVM: a built client, the application's, FIFO names refused. */
class AsyncTasqSqsAutoConfigurationTests {

	private static ElasticMqServer server;

	private final String prefix = "auto-" + UUID.randomUUID().toString().substring(0, 8) + "-";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AsyncTasqSqsAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
		.withPropertyValues("asynctasq.driver=sqs", "asynctasq.sqs.queue-name-prefix=" + this.prefix);

	@BeforeAll
	static void startServer() {
		server = ElasticMqServer.start();
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void aClientBuiltFromThePropertiesRunsTasksEndToEnd() {
		try {
			this.runner.withBean(Greetings.class)
				.withPropertyValues("asynctasq.sqs.endpoint=" + server.endpoint(), "asynctasq.sqs.region=eu-west-1",
						"asynctasq.sqs.access-key-id=local", "asynctasq.sqs.secret-access-key=local",
						"asynctasq.worker.poll-interval=200ms")
				.run((context) -> {
					assertThat(context).hasNotFailed().hasSingleBean(SqsDriver.class);
					assertThat(context.getBean(QueueDriver.class).name()).isEqualTo("sqs");
					TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
					dispatcher.dispatch("greet", "Ada");
					dispatcher.dispatch("greet", "Grace");
					Greetings greetings = context.getBean(Greetings.class);
					await().atMost(Duration.ofSeconds(20)).until(() -> greetings.greeted.equals(Set.of("Ada", "Grace")));
					await().atMost(Duration.ofSeconds(10))
						.until(() -> context.getBean(QueueDriver.class).counts("default").inFlight() == 0);
				});
		}
		finally {
			server.deleteQueues(this.prefix);
		}
	}

	@Test
	void theApplicationsClientIsUsedAndItsPropertiesIgnored() {
		try {
			// the properties point nowhere: only the application's client reaches the server
			this.runner.withBean(SqsAsyncClient.class, server::client)
				.withPropertyValues("asynctasq.worker.enabled=false", "asynctasq.sqs.endpoint=http://127.0.0.1:1")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					context.getBean(TaskDispatcher.class).dispatch("greet", "Ada");
					assertThat(context.getBean(QueueDriver.class).counts("default").ready()).isEqualTo(1);
				});
		}
		finally {
			server.deleteQueues(this.prefix);
		}
	}

	@Test
	void aFifoQueueStopsStartupSayingWhy() {
		this.runner.withPropertyValues("asynctasq.sqs.endpoint=" + server.endpoint(), "asynctasq.sqs.region=eu-west-1",
				"asynctasq.sqs.access-key-id=local", "asynctasq.sqs.secret-access-key=local",
				"asynctasq.worker.queues=orders.fifo")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("orders.fifo")
					.hasMessageContaining("FIFO queues take no per-message delay");
			});
	}

	/** The task of these tests. */
	public static class Greetings {

		final Set<String> greeted = ConcurrentHashMap.newKeySet();

		@Task(name = "greet")
		public void greet(String name) {
			this.greeted.add(name);
		}

	}

}
