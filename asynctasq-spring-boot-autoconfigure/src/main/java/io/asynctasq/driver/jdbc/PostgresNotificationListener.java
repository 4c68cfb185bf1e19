package io.asynctasq.driver.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one connection that LISTENs on the driver's channel and wakes this JVM's waiting reserves when
 * any process enqueues (the enqueue's {@code pg_notify} is delivered when its transaction commits, so a
 * rolled-back dispatch wakes nobody). A daemon thread polls {@link PGConnection#getNotifications(int)};
 * when the connection breaks it reconnects with a back-off, and wakes the waiters after reconnecting
 * because notifications sent meanwhile are lost. Waiters poll on their back-off anyway, so a missing
 * listener only makes wake-ups slower, never loses a task.
 * <p>
 * Loaded only when pgjdbc is on the classpath.
 */
final class PostgresNotificationListener implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger(PostgresNotificationListener.class);

	private static final int POLL_MILLIS = 500;

	private final DataSource dataSource;

	private final String channel;

	private final WakeUpSignal signal;

	private final Thread thread;

	private volatile boolean stopped;

	private volatile boolean listening;

	PostgresNotificationListener(DataSource dataSource, String channel, WakeUpSignal signal) {
		this.dataSource = dataSource;
		this.channel = channel;
		this.signal = signal;
		this.thread = new Thread(this, "asynctasq-pg-listener-" + channel);
		this.thread.setDaemon(true);
	}

	static boolean isAvailable() {
		return org.springframework.util.ClassUtils.isPresent("org.postgresql.PGConnection",
				PostgresNotificationListener.class.getClassLoader());
	}

	void start() {
		this.thread.start();
	}

	/** Whether the listening connection is up, so notifications arrive. */
	boolean isListening() {
		return this.listening;
	}

	void stop() {
		this.stopped = true;
		this.thread.interrupt();
		try {
			this.thread.join(2 * POLL_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void run() {
		long pauseMillis = 100;
		while (!this.stopped) {
			try {
				listen();
				pauseMillis = 100;
			}
			catch (SQLException | RuntimeException ex) {
				this.listening = false;
				if (this.stopped) {
					break;
				}
				logger.debug("AsyncTasQ PostgreSQL listener on '{}' lost its connection ({}); reconnecting in {} ms",
						this.channel, ex.toString(), pauseMillis);
				try {
					Thread.sleep(pauseMillis);
				}
				catch (InterruptedException interrupted) {
					if (this.stopped) {
						break;
					}
				}
				pauseMillis = Math.min(pauseMillis * 2, 5000);
			}
		}
		this.listening = false;
	}

	private void listen() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			PGConnection pg = connection.unwrap(PGConnection.class);
			if (!connection.getAutoCommit()) {
				// LISTEN takes effect at commit, and notifications arrive only between transactions (the pool
				// resets the setting when the connection goes back)
				connection.setAutoCommit(true);
			}
			try (Statement statement = connection.createStatement()) {
				statement.execute("LISTEN " + this.channel);
			}
			this.listening = true;
			this.signal.wakeUp();
			try {
				while (!this.stopped) {
					PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
					if (notifications != null && notifications.length > 0) {
						this.signal.wakeUp();
					}
				}
			}
			finally {
				this.listening = false;
				// a pooled connection must not keep listening for its next user
				try (Statement statement = connection.createStatement()) {
					statement.execute("UNLISTEN *");
				}
				catch (SQLException ex) {
					logger.trace("UNLISTEN failed", ex);
				}
			}
		}
	}

}
