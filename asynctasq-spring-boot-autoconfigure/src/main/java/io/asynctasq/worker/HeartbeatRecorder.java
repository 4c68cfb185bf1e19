package io.asynctasq.worker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.WorkerHeartbeat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a running worker's heartbeat in the backend ({@link QueueDriver#beat}), so every instance of the
 * cluster lists it ({@link QueueDriver#workers()}): once when the worker starts, then on each of its heartbeat
 * ticks, each beat live for three heartbeat intervals; the worker's stop removes it. A beat that fails is logged
 * once per outage and never stops the worker; a driver that records no heartbeats is asked once.
 */
final class HeartbeatRecorder {

	private static final Logger logger = LoggerFactory.getLogger(HeartbeatRecorder.class);

	/** How many heartbeat intervals a beat lives: two beats may be missed before the worker counts as gone. */
	static final int TTL_INTERVALS = 3;

	private static final String VERSION = version();

	private final Worker worker;

	private final QueueDriver driver;

	private final Duration ttl;

	private final Instant startedAt;

	private @Nullable String host;

	/** Set when the worker stopped: no beat after its removal. Guarded by this. */
	private boolean stopped;

	/** Whether the driver records no heartbeats. Guarded by this. */
	private boolean unsupported;

	/** Whether the previous beat failed, so an outage is logged once. Guarded by this. */
	private boolean failing;

	HeartbeatRecorder(Worker worker, QueueDriver driver, Duration interval, Instant startedAt) {
		this.worker = worker;
		this.driver = driver;
		this.ttl = interval.multipliedBy(TTL_INTERVALS);
		this.startedAt = startedAt;
	}

	/** Records a beat now, unless the worker stopped or the driver records none. */
	synchronized void beat() {
		if (this.stopped || this.unsupported) {
			return;
		}
		try {
			this.driver.beat(heartbeat(), this.ttl);
			if (this.failing) {
				this.failing = false;
				logger.info("AsyncTasQ worker {}: heartbeats are recorded in {} again", this.worker.workerId(),
						this.driver.name());
			}
		}
		catch (UnsupportedOperationException ex) {
			this.unsupported = true;
			logger.debug("AsyncTasQ worker {}: the {} driver records no worker heartbeats; not beating",
					this.worker.workerId(), this.driver.name());
		}
		catch (RuntimeException ex) {
			if (!this.failing) {
				this.failing = true;
				logger.warn("AsyncTasQ worker {}: recording its heartbeat in {} failed ({}); the worker keeps running "
						+ "and tries again every beat", this.worker.workerId(), this.driver.name(), ex.toString());
			}
			else {
				logger.debug("AsyncTasQ worker {}: recording its heartbeat failed again ({})", this.worker.workerId(),
						ex.toString());
			}
		}
	}

	/** The worker stopped: removes its heartbeat at once, and no beat follows. */
	synchronized void remove() {
		if (this.stopped) {
			return;
		}
		this.stopped = true;
		if (this.unsupported) {
			return;
		}
		try {
			this.driver.removeWorker(this.worker.workerId());
		}
		catch (UnsupportedOperationException ex) {
			// a driver that records beats but cannot remove one: it expires
		}
		catch (RuntimeException ex) {
			logger.warn("AsyncTasQ worker {}: removing its heartbeat from {} failed ({}); it expires within {}",
					this.worker.workerId(), this.driver.name(), ex.toString(), this.ttl);
		}
	}

	private WorkerHeartbeat heartbeat() {
		WorkerStatus status = this.worker.status();
		return new WorkerHeartbeat(this.worker.workerId(), host(), ProcessHandle.current().pid(), status.queues(),
				status.concurrency(), status.busy(), status.processed(), this.worker.failedCount(), this.startedAt,
				Instant.now(), VERSION);
	}

	/** The host name, looked up on the first beat (on the worker's timer, not its start). */
	private String host() {
		if (this.host == null) {
			try {
				this.host = InetAddress.getLocalHost().getHostName();
			}
			catch (UnknownHostException | RuntimeException ex) {
				this.host = "unknown";
			}
		}
		return this.host;
	}

	private static String version() {
		String version = HeartbeatRecorder.class.getPackage().getImplementationVersion();
		return (version != null) ? version : "unknown";
	}

}
