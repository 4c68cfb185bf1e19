package io.asynctasq.autoconfigure;

import java.time.Duration;

import io.asynctasq.driver.jdbc.JdbcDriverOptions;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.sql.init.DatabaseInitializationMode;

/**
 * Configuration of the JDBC driver ({@code asynctasq.driver=jdbc}), under {@code asynctasq.jdbc.*}. The
 * driver uses the application's DataSource ({@code spring.datasource.*}).
 */
@ConfigurationProperties("asynctasq.jdbc")
public class AsyncTasqJdbcProperties {

	/**
	 * When to create the driver's tables at startup: embedded (only for an embedded database such as
	 * H2), always, or never (the tables come from Flyway, Liquibase or a DBA; the scripts are in
	 * io/asynctasq/driver/jdbc/schema-*.sql of the jar).
	 */
	private DatabaseInitializationMode initializeSchema = DatabaseInitializationMode.EMBEDDED;

	/** Prefix of the driver's table names: 1 to 40 letters, digits or '_', starting with a letter. */
	private String tablePrefix = JdbcDriverOptions.DEFAULT_TABLE_PREFIX;

	/** First pause of an idle worker's poll; it doubles after every empty poll. */
	private Duration pollBackoffMin = JdbcDriverOptions.defaults().pollBackoffMin();

	/** Longest pause between two polls of an idle worker. */
	private Duration pollBackoffMax = JdbcDriverOptions.defaults().pollBackoffMax();

	/** Whether, on PostgreSQL, LISTEN/NOTIFY wakes idle workers as soon as a task is enqueued. */
	private boolean notifications = JdbcDriverOptions.defaults().notifications();

	public DatabaseInitializationMode getInitializeSchema() {
		return this.initializeSchema;
	}

	public void setInitializeSchema(DatabaseInitializationMode initializeSchema) {
		this.initializeSchema = initializeSchema;
	}

	public String getTablePrefix() {
		return this.tablePrefix;
	}

	public void setTablePrefix(String tablePrefix) {
		this.tablePrefix = tablePrefix;
	}

	public Duration getPollBackoffMin() {
		return this.pollBackoffMin;
	}

	public void setPollBackoffMin(Duration pollBackoffMin) {
		this.pollBackoffMin = pollBackoffMin;
	}

	public Duration getPollBackoffMax() {
		return this.pollBackoffMax;
	}

	public void setPollBackoffMax(Duration pollBackoffMax) {
		this.pollBackoffMax = pollBackoffMax;
	}

	public boolean isNotifications() {
		return this.notifications;
	}

	public void setNotifications(boolean notifications) {
		this.notifications = notifications;
	}

	JdbcDriverOptions toOptions() {
		return JdbcDriverOptions.defaults()
			.withTablePrefix(this.tablePrefix)
			.withPollBackoff(this.pollBackoffMin, this.pollBackoffMax)
			.withNotifications(this.notifications);
	}

}
