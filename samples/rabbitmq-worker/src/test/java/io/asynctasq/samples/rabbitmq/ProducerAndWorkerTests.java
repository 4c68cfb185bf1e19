package io.asynctasq.samples.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import com.rabbitmq.client.Channel;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.rabbitmq.RabbitDriver;
import io.asynctasq.samples.rabbitmq.producer.ProducerApplication;
import io.asynctasq.samples.rabbitmq.producer.ReportProducer;
import io.asynctasq.samples.rabbitmq.worker.ReportTasks;
import io.asynctasq.samples.rabbitmq.worker.WorkerApplication;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample's two applications in one test JVM, against the broker at 127.0.0.1:5672: the producer
 * dispatches by name, the worker (a separate context with its own connection) runs every task,
 * the delayed one included.
 */
class ProducerAndWorkerTests {

	@Test
	void theWorkerRunsEveryTaskTheProducerDispatched() throws Exception {
		String prefix = "sample-test-" + UUID.randomUUID().toString().substring(0, 8);
		ConfigurableApplicationContext worker = new SpringApplicationBuilder(WorkerApplication.class)
			.profiles("worker")
			.run("--asynctasq.rabbitmq.prefix=" + prefix);
		try {
			ConfigurableApplicationContext producer = new SpringApplicationBuilder(ProducerApplication.class)
				.profiles("producer")
				.run("--asynctasq.rabbitmq.prefix=" + prefix, "--sample.reports=5");
			assertThat(producer.getBean(ReportProducer.class).dispatched()).hasSize(6);
			producer.close();

			ReportTasks tasks = worker.getBean(ReportTasks.class);
			RabbitDriver driver = worker.getBean(RabbitDriver.class);
			Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> tasks.rendered().size() == 6);
			assertThat(tasks.rendered()).containsExactlyInAnyOrder("report-1", "report-2", "report-3", "report-4",
					"report-5", "delayed-report");
			Awaitility.await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(driver.counts("reports")).isEqualTo(QueueCounts.EMPTY));
		}
		finally {
			RabbitDriver driver = worker.getBean(RabbitDriver.class);
			assertThat(driver.topology().exchange()).isEqualTo(prefix);
			try (Channel channel = worker.getBean(ConnectionFactory.class).createConnection().createChannel(false)) {
				for (String queue : driver.topology().allQueues("reports")) {
					channel.queueDelete(queue);
				}
				channel.exchangeDelete(driver.topology().exchange());
			}
			worker.close();
		}
	}

}
