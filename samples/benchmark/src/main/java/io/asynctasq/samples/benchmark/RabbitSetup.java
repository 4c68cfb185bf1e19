package io.asynctasq.samples.benchmark;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.rabbitmq.RabbitDriver;
import io.asynctasq.driver.rabbitmq.RabbitQueueType;
import io.asynctasq.driver.rabbitmq.RabbitTopology;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.Connection;

/** The RabbitMQ driver against 127.0.0.1:5672 (guest), under a prefix of its own whose queues are deleted. */
final class RabbitSetup implements DriverSetup {

	private final String prefix = "asynctasq-bench-" + ProcessHandle.current().pid();

	private final CachingConnectionFactory connectionFactory = new CachingConnectionFactory("127.0.0.1", 5672);

	private final List<String> queues = new ArrayList<>();

	private RabbitTopology topology;

	private int rawRuns;

	RabbitSetup() {
		this.connectionFactory.setUsername("guest");
		this.connectionFactory.setPassword("guest");
	}

	@Override
	public String label() {
		return "rabbitmq";
	}

	@Override
	public String versions() {
		try (Connection connection = this.connectionFactory.createConnection()) {
			Object version = connection.getDelegate().getServerProperties().get("version");
			return "RabbitMQ " + version + " (classic queues), amqp-client "
					+ com.rabbitmq.client.impl.ClientVersion.VERSION;
		}
	}

	@Override
	public QueueDriver createDriver() {
		RabbitDriver driver = new RabbitDriver(this.connectionFactory, this.prefix, RabbitQueueType.CLASSIC,
				Duration.ofSeconds(10), 0);
		this.topology = driver.topology();
		return driver;
	}

	/**
	 * A raw amqp-client consumer on the same broker and the same messages: {@code tasks} no-op tasks dispatched
	 * through the library (published with confirms; not timed), then consumed from their work queue by one
	 * consumer with manual acks, one {@code basic.ack} per message from the delivery thread, at Spring AMQP's
	 * default prefetch of {@value #RAW_PREFETCH}; timed from {@code basic.consume} to the broker's answer to
	 * a request sent after the last ack (so every ack has been processed). The same messages matter: the broker
	 * spends most of its time per message on their size (a 7-byte body without headers goes about twice as fast).
	 */
	@Override
	public OptionalDouble rawLimit(int tasks) throws Exception {
		String queue = this.prefix + "-raw-" + (++this.rawRuns);
		try (Harness harness = new Harness(this, 1, List.of(queue), null)) {
			harness.dispatch(tasks, 2, 100);
			try (Connection connection = this.connectionFactory.createConnection()) {
				Channel channel = connection.createChannel(false);
				try {
					return OptionalDouble.of(consume(channel, this.topology.workQueue(queue), tasks));
				}
				finally {
					channel.close();
				}
			}
		}
	}

	private static double consume(Channel channel, String workQueue, int tasks) throws Exception {
		channel.basicQos(RAW_PREFETCH);
		CountDownLatch consumed = new CountDownLatch(1);
		AtomicInteger acknowledged = new AtomicInteger();
		AtomicLong failures = new AtomicLong();
		long start = System.nanoTime();
		String tag = channel.basicConsume(workQueue, false, new DefaultConsumer(channel) {

			@Override
			public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
					byte[] body) {
				try {
					getChannel().basicAck(envelope.getDeliveryTag(), false);
				}
				catch (IOException ex) {
					failures.incrementAndGet();
				}
				if (acknowledged.incrementAndGet() == tasks) {
					consumed.countDown();
				}
			}

		});
		if (!consumed.await(5, TimeUnit.MINUTES)) {
			throw new IllegalStateException("The raw consumer received " + acknowledged.get() + " of " + tasks);
		}
		channel.basicCancel(tag); // answered after the broker has processed every ack before it
		long elapsed = System.nanoTime() - start;
		if (failures.get() > 0) {
			throw new IllegalStateException(failures.get() + " acks of the raw consumer failed");
		}
		return tasks / (elapsed / 1_000_000_000.0);
	}

	private static final int RAW_PREFETCH = 250;

	@Override
	public void queueUsed(String queue) {
		this.queues.add(queue);
	}

	@Override
	public void close() {
		RabbitTopology topology = this.topology;
		if (topology == null) {
			this.connectionFactory.destroy();
			return;
		}
		try (Connection connection = this.connectionFactory.createConnection()) {
			com.rabbitmq.client.Channel channel = connection.createChannel(false);
			for (String queue : this.queues) {
				for (String name : topology.allQueues(queue)) {
					channel.queueDelete(name);
				}
			}
			channel.exchangeDelete(topology.exchange());
			channel.close();
		}
		catch (Exception ex) {
			throw new IllegalStateException("Cannot delete the benchmark's RabbitMQ queues", ex);
		}
		finally {
			this.connectionFactory.destroy();
		}
	}

}
