package io.asynctasq.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

/** How dispatches reach the backend, under {@code asynctasq.dispatch.*}. */
@ConfigurationProperties("asynctasq.dispatch")
public class AsyncTasqDispatchProperties {

	/**
	 * Whether a dispatch inside a Spring-managed transaction follows the transaction: sent after it
	 * commits and dropped on rollback, or, with the JDBC driver on the transaction's DataSource, written in
	 * the transaction itself. When false, every dispatch is sent at once.
	 */
	private boolean transactionAware = true;

	/**
	 * The longest a dispatch waits for the backend to accept a task, whatever the client's own timeouts:
	 * dispatch then throws a DriverException naming the backend, and the future of dispatchAsync fails. An
	 * enqueue that joins the caller's database transaction (JDBC driver) is not bounded by it.
	 */
	private Duration timeout = Duration.ofSeconds(5);

	/** The largest encoded task (name, arguments, options) a dispatch accepts; bigger ones fail at the call. */
	private DataSize maxPayloadSize = DataSize.ofMegabytes(1);

	public boolean isTransactionAware() {
		return this.transactionAware;
	}

	public void setTransactionAware(boolean transactionAware) {
		this.transactionAware = transactionAware;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		if (timeout == null || timeout.isZero() || timeout.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("asynctasq.dispatch.timeout", timeout,
					"must be a positive duration, e.g. 5s");
		}
		this.timeout = timeout;
	}

	public DataSize getMaxPayloadSize() {
		return this.maxPayloadSize;
	}

	public void setMaxPayloadSize(DataSize maxPayloadSize) {
		if (maxPayloadSize == null || maxPayloadSize.toBytes() < 1) {
			throw new InvalidConfigurationPropertyValueException("asynctasq.dispatch.max-payload-size", maxPayloadSize,
					"must be a positive size, e.g. 1MB");
		}
		this.maxPayloadSize = maxPayloadSize;
	}

}
