package io.asynctasq.health;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.driver.QueueDriver;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Asks the driver whether its backend answers, and waits for the answer at most a timeout, on threads of its
 * own: a health check then answers within its bound whatever the backend or its client does. Checks arriving
 * while a ping is under way and younger than the timeout wait for that same ping; a ping that hangs longer
 * does not block later checks, which start a new one, up to {@value #MAX_HANGING} hanging at once.
 */
final class BoundedPing implements AutoCloseable {

	static final int MAX_HANGING = 3;

	private final QueueDriver driver;

	private final Duration timeout;

	private final ExecutorService executor;

	private final AtomicInteger running = new AtomicInteger();

	private Ping current;

	BoundedPing(QueueDriver driver, Duration timeout) {
		this.driver = driver;
		this.timeout = timeout;
		CustomizableThreadFactory threads = new CustomizableThreadFactory("asynctasq-health-");
		threads.setDaemon(true);
		this.executor = Executors.newCachedThreadPool(threads);
	}

	/** {@code null} when the backend answered within the timeout, else why it did not. */
	Throwable check() {
		CompletableFuture<Void> answer;
		try {
			answer = ping();
		}
		catch (RuntimeException ex) {
			return ex;
		}
		if (answer == null) {
			return new TimeoutException(notAnswering() + ": " + MAX_HANGING + " pings are still waiting");
		}
		try {
			answer.get(this.timeout.toNanos(), TimeUnit.NANOSECONDS);
			return null;
		}
		catch (TimeoutException ex) {
			return new TimeoutException(notAnswering());
		}
		catch (ExecutionException ex) {
			return ex.getCause();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return ex;
		}
	}

	private String notAnswering() {
		return "the " + this.driver.name() + " backend did not answer within " + this.timeout
				+ " (asynctasq.health.timeout)";
	}

	/** The ping to wait for, or {@code null} when {@value #MAX_HANGING} are hanging already. */
	private synchronized CompletableFuture<Void> ping() {
		long now = System.nanoTime();
		if (this.current != null && !this.current.answer.isDone()
				&& now - this.current.startedAt < this.timeout.toNanos()) {
			return this.current.answer;
		}
		if (this.running.get() >= MAX_HANGING) {
			return null;
		}
		CompletableFuture<Void> answer = new CompletableFuture<>();
		this.running.incrementAndGet();
		Runnable ping = () -> {
			try {
				this.driver.ping();
				answer.complete(null);
			}
			catch (RuntimeException | Error ex) {
				answer.completeExceptionally(ex);
			}
			finally {
				this.running.decrementAndGet();
			}
		};
		try {
			this.executor.execute(ping);
		}
		catch (RuntimeException ex) {
			this.running.decrementAndGet();
			throw ex;
		}
		this.current = new Ping(now, answer);
		return answer;
	}

	/** The threads pings run on; others may use them for background work of the health check. */
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
