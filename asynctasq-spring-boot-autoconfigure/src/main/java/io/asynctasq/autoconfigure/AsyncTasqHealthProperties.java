package io.asynctasq.autoconfigure;

import java.time.Duration;

import io.asynctasq.health.AsyncTasqHealthIndicator;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code asynctasq} health indicator, under {@code asynctasq.health.*}. */
@ConfigurationProperties("asynctasq.health")
public class AsyncTasqHealthProperties {

	/**
	 * The longest a health check waits for the backend to answer; past it the check reports DOWN, whatever the
	 * backend or its client does.
	 */
	private Duration timeout = AsyncTasqHealthIndicator.DEFAULT_TIMEOUT;

	/**
	 * How old the queue counts shown in health details may get: they come from a snapshot taken in the
	 * background when a check finds it older than this, never from a scan per check. 0 leaves counts out.
	 */
	private Duration countsRefresh = AsyncTasqHealthIndicator.DEFAULT_COUNTS_REFRESH;

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public Duration getCountsRefresh() {
		return this.countsRefresh;
	}

	public void setCountsRefresh(Duration countsRefresh) {
		this.countsRefresh = countsRefresh;
	}

}
