package io.asynctasq.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** How dispatches meet the caller's transaction, under {@code asynctasq.dispatch.*}. */
@ConfigurationProperties("asynctasq.dispatch")
public class AsyncTasqDispatchProperties {

	/**
	 * Whether a dispatch inside a Spring-managed transaction follows the transaction: sent after it
	 * commits and dropped on rollback, or, with the JDBC driver on the transaction's DataSource, written in
	 * the transaction itself. When false, every dispatch is sent at once.
	 */
	private boolean transactionAware = true;

	public boolean isTransactionAware() {
		return this.transactionAware;
	}

	public void setTransactionAware(boolean transactionAware) {
		this.transactionAware = transactionAware;
	}

}
