package io.asynctasq.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** AsyncTasQ's Micrometer meters, under {@code asynctasq.metrics.*}. */
@ConfigurationProperties("asynctasq.metrics")
public class AsyncTasqMetricsProperties {

	/** Whether AsyncTasQ registers its meters when the application has a Micrometer {@code MeterRegistry}. */
	private boolean enabled = true;

	/**
	 * How old the queue size gauges may get: they read a snapshot of the counts taken in the background when a
	 * read finds it older than this, never a backend call per scrape. 0 registers no queue gauges.
	 */
	private Duration queueCountsRefresh = Duration.ofSeconds(15);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getQueueCountsRefresh() {
		return this.queueCountsRefresh;
	}

	public void setQueueCountsRefresh(Duration queueCountsRefresh) {
		this.queueCountsRefresh = queueCountsRefresh;
	}

}
