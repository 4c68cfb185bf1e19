package io.asynctasq.samples.jdbc;

import io.asynctasq.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** The background work: confirming an order. */
@Component
public class OrderTasks {

	private static final Logger logger = LoggerFactory.getLogger(OrderTasks.class);

	private final JdbcTemplate jdbc;

	public OrderTasks(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	@Task(name = "confirm-order", maxAttempts = 5, retryDelay = "1s")
	public void confirmOrder(String orderId) {
		int updated = this.jdbc.update("UPDATE sample_orders SET status = 'CONFIRMED' WHERE id = ?", orderId);
		if (updated != 1) {
			throw new IllegalStateException("No order " + orderId);
		}
		logger.info("Order {} confirmed", orderId);
	}

}
