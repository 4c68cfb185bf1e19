package io.asynctasq.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.inspection.QueueCountsSnapshot;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerStatus;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of AsyncTasQ in this application: DOWN with the cause when the backend does not answer within
 * the timeout, or when this application's worker runs but does not process (its fetch loop died, keeps
 * failing or is stuck in one reserve call); OUT_OF_SERVICE while the worker drains or is stopped; else UP.
 * Answers within its timeout whatever the backend does. Details name the driver, the worker's state, tasks
 * in flight, the last fetch and the served queues, and per queue the counts of a background snapshot.
 */
public class AsyncTasqHealthIndicator implements HealthIndicator, AutoCloseable {

	/** Default of the longest a check waits for the backend: 2 s. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

	/** Default of how old the queue counts may get: 10 s. */
	public static final Duration DEFAULT_COUNTS_REFRESH = Duration.ofSeconds(10);

	private final QueueDriver driver;

	private final @Nullable Worker worker;

	private final BoundedPing ping;

	private final @Nullable QueueCountsSnapshot counts;

	private final Duration wedgedAfter;

	/** The health of a driver alone (no worker here), with the default timeout and counts refresh. */
	public AsyncTasqHealthIndicator(QueueDriver driver, List<String> queues) {
		this(driver, null, () -> queues, DEFAULT_TIMEOUT, DEFAULT_COUNTS_REFRESH);
	}

	/**
	 * @param driver the driver whose backend is checked
	 * @param worker this application's worker, or {@code null} when it runs none
	 * @param queues the queues whose counts are shown
	 * @param timeout the longest a check waits for the backend
	 * @param countsRefresh how old the counts may get; zero leaves them out
	 */
	public AsyncTasqHealthIndicator(QueueDriver driver, @Nullable Worker worker, Supplier<List<String>> queues,
			Duration timeout, Duration countsRefresh) {
		this.driver = DriverFacade.of(driver);
		this.worker = worker;
		this.ping = new BoundedPing(this.driver, timeout);
		this.counts = countsRefresh.isZero() ? null
				: new QueueCountsSnapshot(this.driver, queues, countsRefresh, this.ping.executor());
		Duration poll = (worker != null) ? worker.settings().pollInterval() : Duration.ZERO;
		Duration fivePolls = poll.multipliedBy(5);
		this.wedgedAfter = (fivePolls.compareTo(Duration.ofSeconds(5)) > 0) ? fivePolls : Duration.ofSeconds(5);
	}

	@Override
	public Health health() {
		Health.Builder builder = new Health.Builder().withDetail("driver", this.driver.name());
		Throwable backendDown = this.ping.check();
		WorkerStatus status = (this.worker != null) ? this.worker.status() : null;
		if (status != null) {
			builder.withDetail("worker", workerDetails(status));
		}
		QueueCountsSnapshot.Snapshot snapshot = (this.counts != null && backendDown == null) ? this.counts.read()
				: null;
		if (snapshot != null) {
			builder.withDetail("queues", queueDetails(snapshot.counts()));
			builder.withDetail("countsAt", snapshot.takenAt().toString());
		}
		if (backendDown != null) {
			return builder.down().withDetail("error", describe(backendDown)).build();
		}
		if (status == null) {
			return builder.up().build();
		}
		String problem = status.problem(this.wedgedAfter);
		if (problem != null) {
			return builder.down().withDetail("error", "worker: " + problem).build();
		}
		return (status.state() == WorkerStatus.State.RUNNING) ? builder.up().build()
				: builder.status(Status.OUT_OF_SERVICE).build();
	}

	private static Map<String, Object> workerDetails(WorkerStatus status) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("state", status.state().name().toLowerCase(Locale.ROOT));
		details.put("queues", status.queues());
		details.put("concurrency", status.concurrency());
		details.put("inFlight", status.inFlight());
		details.put("processed", status.processed());
		if (status.lastFetchAt() != null) {
			details.put("lastFetch", status.lastFetchAt().toString());
		}
		if (status.fetchFailures() > 0) {
			details.put("fetchFailures", status.fetchFailures());
		}
		return details;
	}

	private static Map<String, Object> queueDetails(Map<String, QueueCounts> counts) {
		Map<String, Object> details = new LinkedHashMap<>();
		counts.forEach((queue, count) -> {
			Map<String, Long> queueDetails = new LinkedHashMap<>();
			queueDetails.put("ready", count.ready());
			queueDetails.put("delayed", count.delayed());
			queueDetails.put("inFlight", count.inFlight());
			queueDetails.put("deadLettered", count.deadLettered());
			details.put(queue, queueDetails);
		});
		return details;
	}

	private static String describe(Throwable error) {
		String message = error.getMessage();
		return error.getClass().getName() + ((message != null) ? ": " + message : "");
	}

	/** Stops the threads that ping and count. */
	@Override
	public void close() {
		this.ping.close();
	}

}
