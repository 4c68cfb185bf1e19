package io.asynctasq.samples.jdbc;

import java.time.Duration;
import java.time.Instant;

import io.asynctasq.driver.QueueDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.stereotype.Component;

/** Places a committed and a rolled-back order, waits for the first to be confirmed, reports. */
@Component
public class OrderRunner implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(OrderRunner.class);

	private final OrderService orders;

	private final QueueDriver driver;

	private String committedOrder;

	private int exitCode;

	public OrderRunner(OrderService orders, QueueDriver driver) {
		this.orders = orders;
		this.driver = driver;
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		this.committedOrder = this.orders.placeOrder("ada@example.com", 4_200);
		logger.info("Placed {} and dispatched its confirmation in one committed transaction", this.committedOrder);
		try {
			this.orders.placeOrder("mallory@example.com", -1);
		}
		catch (IllegalArgumentException ex) {
			logger.info("{}: neither the order nor its confirmation task exists", ex.getMessage());
		}

		Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
		while (!"CONFIRMED".equals(this.orders.statusOf(this.committedOrder))) {
			if (Instant.now().isAfter(deadline)) {
				logger.error("Order {} was not confirmed within 30 s", this.committedOrder);
				this.exitCode = 1;
				return;
			}
			Thread.sleep(100);
		}
		logger.info("JDBC sample done: {} is CONFIRMED; queue 'default' counts: {}", this.committedOrder,
				this.driver.counts("default"));
	}

	public String committedOrder() {
		return this.committedOrder;
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
