package io.asynctasq.health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * UP when the driver answers, DOWN with the cause when it does not; details name the driver and, per
 * queue, how many tasks are ready, delayed, in flight and dead-lettered.
 */
public class AsyncTasqHealthIndicator extends AbstractHealthIndicator {

	private final QueueDriver driver;

	private final List<String> queues;

	public AsyncTasqHealthIndicator(QueueDriver driver, List<String> queues) {
		super("AsyncTasQ driver health check failed");
		this.driver = driver;
		this.queues = List.copyOf(queues);
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		builder.withDetail("driver", this.driver.name());
		this.driver.ping();
		Map<String, Object> details = new LinkedHashMap<>();
		for (String queue : this.queues) {
			QueueCounts counts = this.driver.counts(queue);
			Map<String, Long> queueDetails = new LinkedHashMap<>();
			queueDetails.put("ready", counts.ready());
			queueDetails.put("delayed", counts.delayed());
			queueDetails.put("inFlight", counts.inFlight());
			queueDetails.put("deadLettered", counts.deadLettered());
			details.put(queue, queueDetails);
		}
		builder.up().withDetail("queues", details);
	}

}
