package io.asynctasq.samples.redisweb;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/** The work done in the background: processing an order. */
@Component
public class OrderTasks {

	private static final Logger logger = LoggerFactory.getLogger(OrderTasks.class);

	private final Map<String, Instant> processed = new ConcurrentHashMap<>();

	@Task(name = "process-order", queue = "orders", maxAttempts = 5, retryDelay = "2s")
	public void process(String orderId, TaskContext context) {
		logger.info("Processing order {} (task {}, attempt {}/{})", orderId, context.taskId(), context.attempt(),
				context.maxAttempts());
		this.processed.put(orderId, Instant.now());
	}

	/** When each order was processed, by this instance. */
	public Map<String, Instant> processed() {
		return Map.copyOf(this.processed);
	}

}
