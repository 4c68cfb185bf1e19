package io.asynctasq.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/** The {@code asynctasq} health indicator, under {@code asynctasq.health.*}. */
@ConfigurationProperties("asynctasq.health")
public class AsyncTasqHealthProperties {

	/**
	 * The longest a health check waits for the backend to answer; past it the check reports DOWN, whatever the
	 * backend or its client does.
	 */
	private Duration timeout = Duration.ofSeconds(2);

	/**
	 * How old the queue counts shown in health details may get: they come from a snapshot taken in the
	 * background when a check finds it older than this, never from a scan per check. 0 leaves counts out.
	 */
	private Duration countsRefresh = Duration.ofSeconds(10);

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		if (timeout == null || timeout.isZero() || timeout.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("asynctasq.health.timeout", timeout,
					"must be a positive duration, e.g. 2s");
		}
		this.timeout = timeout;
	}

	public Duration getCountsRefresh() {
		return this.countsRefresh;
	}

	public void setCountsRefresh(Duration countsRefresh) {
		if (countsRefresh == null || countsRefresh.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("asynctasq.health.counts-refresh", countsRefresh,
					"must be zero (no counts) or a positive duration, e.g. 10s");
		}
		this.countsRefresh = countsRefresh;
	}

}
