package io.asynctasq.driver.jdbc;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * How a {@link JdbcDriver} names its tables and waits for work.
 *
 * @param tablePrefix prefix of the driver's tables ({@code <prefix>tasks}, {@code <prefix>dead_letters},
 * {@code <prefix>queue_counts}),
 * 1 to 40 letters, digits or underscores starting with a letter; it reaches SQL unquoted
 * @param pollBackoffMin first pause of a waiting reserve that found nothing
 * @param pollBackoffMax longest pause between two polls of an idle waiting reserve; the pause doubles from
 * the minimum after every empty poll and drops back when a task is found or announced
 * @param notifications whether PostgreSQL's LISTEN/NOTIFY wakes waiting reserves at once (ignored by other
 * databases, which rely on polling and on wake-ups from enqueues in the same driver)
 * @param dialect the database dialect, or {@code null} to detect it from the first connection
 */
public record JdbcDriverOptions(String tablePrefix, Duration pollBackoffMin, Duration pollBackoffMax,
		boolean notifications, @Nullable JdbcDialect dialect) {

	/** The default table prefix. */
	public static final String DEFAULT_TABLE_PREFIX = "asynctasq_";

	private static final Pattern VALID_PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,39}");

	public JdbcDriverOptions {
		validateTablePrefix(tablePrefix);
		Objects.requireNonNull(pollBackoffMin, "pollBackoffMin");
		Objects.requireNonNull(pollBackoffMax, "pollBackoffMax");
		if (pollBackoffMin.isNegative() || pollBackoffMin.isZero()) {
			throw new IllegalArgumentException("pollBackoffMin must be positive, was " + pollBackoffMin);
		}
		if (pollBackoffMax.compareTo(pollBackoffMin) < 0) {
			throw new IllegalArgumentException(
					"pollBackoffMax (" + pollBackoffMax + ") must not be shorter than pollBackoffMin (" + pollBackoffMin + ")");
		}
	}

	/** Prefix {@value #DEFAULT_TABLE_PREFIX}, back-off 10 ms to 1 s, notifications on, dialect detected. */
	public static JdbcDriverOptions defaults() {
		return new JdbcDriverOptions(DEFAULT_TABLE_PREFIX, Duration.ofMillis(10), Duration.ofSeconds(1), true, null);
	}

	public JdbcDriverOptions withTablePrefix(String tablePrefix) {
		return new JdbcDriverOptions(tablePrefix, this.pollBackoffMin, this.pollBackoffMax, this.notifications,
				this.dialect);
	}

	public JdbcDriverOptions withPollBackoff(Duration min, Duration max) {
		return new JdbcDriverOptions(this.tablePrefix, min, max, this.notifications, this.dialect);
	}

	public JdbcDriverOptions withNotifications(boolean notifications) {
		return new JdbcDriverOptions(this.tablePrefix, this.pollBackoffMin, this.pollBackoffMax, notifications,
				this.dialect);
	}

	public JdbcDriverOptions withDialect(JdbcDialect dialect) {
		return new JdbcDriverOptions(this.tablePrefix, this.pollBackoffMin, this.pollBackoffMax, this.notifications,
				dialect);
	}

	/**
	 * Returns {@code tablePrefix} when it is safe to put into SQL unquoted.
	 * @throws IllegalArgumentException naming the prefix and the accepted form
	 */
	public static String validateTablePrefix(String tablePrefix) {
		if (tablePrefix == null || !VALID_PREFIX.matcher(tablePrefix).matches()) {
			throw new IllegalArgumentException("Invalid table prefix '" + tablePrefix + "': use 1 to 40 letters, "
					+ "digits or '_', starting with a letter (for example 'asynctasq_')");
		}
		return tablePrefix;
	}

}
