package io.asynctasq.autoconfigure;

import java.time.Duration;

import io.asynctasq.dispatch.DefaultTaskDispatcher;

import org.springframework.boot.context.properties.ConfigurationProperties;
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
	private Duration timeout = DefaultTaskDispatcher.DEFAULT_TIMEOUT;

	/** The largest encoded task (name, arguments, options) a dispatch accepts; bigger ones fail at the call. */
	private DataSize maxPayloadSize = DataSize.ofBytes(DefaultTaskDispatcher.DEFAULT_MAX_PAYLOAD_SIZE);

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
		this.timeout = timeout;
	}

	public DataSize getMaxPayloadSize() {
		return this.maxPayloadSize;
	}

	public void setMaxPayloadSize(DataSize maxPayloadSize) {
		this.maxPayloadSize = maxPayloadSize;
	}

}
