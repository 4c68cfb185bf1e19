package io.asynctasq.driver.rabbitmq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import io.asynctasq.driver.HeartbeatJson;
import io.asynctasq.driver.WorkerHeartbeat;

/**
 * Worker heartbeats in one classic queue of the namespace ({@link RabbitTopology#workersQueue()}): a beat is a
 * transient message (its id the worker id, its body {@link HeartbeatJson}) with a per-message expiration of its
 * ttl, so the broker drops it once the ttl passed; a listing browses the queue ({@link QueueBrowser}) and keeps
 * the latest beat of each worker; a removal takes that worker's beats off it. The broker is not a store: what
 * this cannot promise is in {@code docs/rabbitmq.md}.
 */
final class WorkerBeats {

	/** Beats read per listing at most: about three per live worker. */
	private static final int MAX_BEATS_READ = 30_000;

	private final BrokerConnection broker;

	private final RabbitTopology topology;

	private final ConfirmPublisher publisher;

	private final QueueBrowser browser;

	private volatile boolean declared;

	WorkerBeats(BrokerConnection broker, RabbitTopology topology, ConfirmPublisher publisher, Duration answerTimeout) {
		this.broker = broker;
		this.topology = topology;
		this.publisher = publisher;
		this.browser = new QueueBrowser(answerTimeout);
	}

	/** Publishes the beat, confirmed, expiring after {@code ttl}. */
	void beat(WorkerHeartbeat heartbeat, Duration ttl) {
		declare();
		AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().messageId(heartbeat.workerId())
			.contentType("application/json")
			.deliveryMode(1)
			.expiration(Long.toString(Math.max(1, ttl.toMillis())))
			.build();
		this.publisher.publish(List.of(new Outgoing(this.topology.workersQueue(), properties,
				HeartbeatJson.toJson(heartbeat).getBytes(StandardCharsets.UTF_8))));
	}

	/** Takes every beat of {@code workerId} off the queue. */
	void remove(String workerId) {
		declare();
		this.broker.admin((channel) -> this.browser.take(channel, this.topology.workersQueue(),
				(response) -> workerId.equals(response.getProps().getMessageId()), false));
	}

	/** The latest beat of each worker the queue holds (the broker dropped the expired ones), by worker id. */
	List<WorkerHeartbeat> list() {
		declare();
		List<GetResponse> read = this.broker
			.admin((channel) -> this.browser.browse(channel, this.topology.workersQueue(), MAX_BEATS_READ));
		Map<String, WorkerHeartbeat> latest = new TreeMap<>();
		for (GetResponse response : read) {
			String where = "of worker " + response.getProps().getMessageId() + " in queue "
					+ this.topology.workersQueue();
			// a worker publishes its beats in order, so a later message is a later beat
			HeartbeatJson.read(new String(response.getBody(), StandardCharsets.UTF_8), where)
				.ifPresent((heartbeat) -> latest.put(heartbeat.workerId(), heartbeat));
		}
		return new ArrayList<>(latest.values());
	}

	private void declare() {
		if (!this.declared) {
			this.broker.admin((channel) -> {
				this.topology.declareWorkers(channel);
				return null;
			});
			this.declared = true;
		}
	}

}
