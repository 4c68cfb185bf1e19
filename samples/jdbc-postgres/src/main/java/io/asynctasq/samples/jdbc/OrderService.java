package io.asynctasq.samples.jdbc;

import java.util.UUID;

import io.asynctasq.TaskDispatcher;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Saves an order and dispatches its confirmation in the same transaction. With the JDBC driver on the
 * application's DataSource the task row is written by this transaction: if the method throws, the order
 * and the task are both rolled back, so a worker never confirms an order that does not exist.
 */
@Service
public class OrderService {

	private final JdbcTemplate jdbc;

	private final TaskDispatcher dispatcher;

	public OrderService(JdbcTemplate jdbc, TaskDispatcher dispatcher) {
		this.jdbc = jdbc;
		this.dispatcher = dispatcher;
	}

	/** Returns the order id. Fails (rolling everything back) for a negative amount, after dispatching. */
	@Transactional
	public String placeOrder(String customer, long cents) {
		String orderId = "order-" + UUID.randomUUID();
		this.jdbc.update("INSERT INTO sample_orders (id, customer, cents, status) VALUES (?, ?, ?, 'NEW')", orderId,
				customer, cents);
		this.dispatcher.dispatch(OrderTasks::confirmOrder, orderId);
		if (cents < 0) {
			throw new IllegalArgumentException("Order " + orderId + " has a negative amount: rolled back");
		}
		return orderId;
	}

	public String statusOf(String orderId) {
		return this.jdbc.query("SELECT status FROM sample_orders WHERE id = ?",
				(rs) -> rs.next() ? rs.getString(1) : null, orderId);
	}

}
