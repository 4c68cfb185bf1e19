package io.asynctasq.health;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.asynctasq.driver.BoundedCalls;
import io.asynctasq.driver.QueueDriver;
import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Asks the driver whether its backend answers, at most a timeout: a health check then answers within its
 * bound whatever the backend or its client does. Checks arriving while a ping younger than the timeout is
 * under way wait for that same ping; one that hangs longer does not hold later checks back, which start a
 * new one, up to {@value #MAX_HANGING} hanging at once.
 */
final class BoundedPing implements AutoCloseable {

	static final int MAX_HANGING = 3;

	private final QueueDriver driver;

	private final Duration timeout;

	private final ExecutorService executor;

	private final BoundedCalls calls;

	private @Nullable Ping current;

	BoundedPing(QueueDriver driver, Duration timeout) {
		this.driver = driver;
		this.timeout = timeout;
		CustomizableThreadFactory threads = new CustomizableThreadFactory("asynctasq-health-");
		threads.setDaemon(true);
		this.executor = Executors.newCachedThreadPool(threads);
		this.calls = new BoundedCalls(this.executor, timeout, "asynctasq.health.timeout", driver.name(), MAX_HANGING);
	}

	/** {@code null} when the backend answered within the timeout, else why it did not. */
	@Nullable Throwable check() {
		try {
			ping().get(this.timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.NANOSECONDS);
			return null;
		}
		catch (ExecutionException ex) {
			return ex.getCause();
		}
		catch (TimeoutException ex) {
			return ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return ex;
		}
	}

	private synchronized CompletableFuture<Void> ping() {
		long now = System.nanoTime();
		if (this.current == null || this.current.answer.isDone()
				|| now - this.current.startedAt >= this.timeout.toNanos()) {
			this.current = new Ping(now, this.calls.submit("answer a ping", this.driver::ping));
		}
		return this.current.answer;
	}

	/** The threads pings run on; the health check may use them for its other background work. */
	ExecutorService executor() {
		return this.executor;
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

	private record Ping(long startedAt, CompletableFuture<Void> answer) {
	}

}
