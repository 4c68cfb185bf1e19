package io.asynctasq.dispatch;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.asynctasq.driver.DriverException;

/**
 * Runs driver calls of dispatches on an executor and bounds how long a caller waits for them, so a dispatch
 * fails within the dispatch timeout whatever the backend does and whatever its client's own timeouts are
 * (Lettuce waits 60 s by default, a pool may wait 30 s for a connection, a socket to a silent server waits
 * for ever). At most {@code maxInFlight} calls run at once: while a backend hangs, that many threads wait on
 * it and further dispatches fail within the bound instead of piling up threads. A call that had not started
 * when its caller stopped waiting is not made, so its task is not stored later behind the caller's back.
 */
final class BoundedDriverCalls {

	private final Executor executor;

	private final Duration timeout;

	private final String backend;

	private final Semaphore slots;

	private final int maxInFlight;

	/**
	 * @param executor runs the calls; it needs up to {@code maxInFlight} threads at once
	 * @param timeout the longest a caller waits
	 * @param backend the driver's name, for messages
	 */
	BoundedDriverCalls(Executor executor, Duration timeout, String backend, int maxInFlight) {
		this.executor = executor;
		this.timeout = timeout;
		this.backend = backend;
		this.maxInFlight = maxInFlight;
		this.slots = new Semaphore(maxInFlight);
	}

	Duration timeout() {
		return this.timeout;
	}

	/**
	 * Runs {@code call} and waits for it at most the timeout, on behalf of a blocking caller.
	 * @param what what the call does, e.g. "enqueue task 0193... on queue 'emails'"
	 * @throws DriverException when it did not finish within the timeout, naming the backend and the property
	 */
	void run(String what, Runnable call) {
		long deadline = System.nanoTime() + this.timeout.toNanos();
		boolean acquired;
		try {
			acquired = this.slots.tryAcquire(this.timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DriverException("Interrupted before the " + this.backend + " backend was asked to " + what, ex);
		}
		if (!acquired) {
			throw saturated(what);
		}
		CompletableFuture<Void> done = start(what, call, deadline);
		try {
			done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			done.completeExceptionally(timedOut(what));
			throw timedOut(what);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DriverException("Interrupted while waiting for the " + this.backend + " backend to " + what
					+ "; the task may or may not be stored", ex);
		}
		catch (ExecutionException ex) {
			throw rethrown(ex.getCause());
		}
	}

	/**
	 * Runs {@code call} for a caller that does not block: the future fails within the timeout when the call
	 * does not finish, and at once when {@code maxInFlight} calls are already waiting on the backend.
	 */
	CompletableFuture<Void> submit(String what, Runnable call) {
		if (!this.slots.tryAcquire()) {
			return CompletableFuture.failedFuture(saturated(what));
		}
		long deadline = System.nanoTime() + this.timeout.toNanos();
		CompletableFuture<Void> done = start(what, call, deadline);
		done.orTimeout(this.timeout.toNanos(), TimeUnit.NANOSECONDS);
		return done.exceptionallyCompose((error) -> CompletableFuture
			.failedFuture((error instanceof TimeoutException) ? timedOut(what) : error));
	}

	/** Starts the call on the executor; a slot is taken and is given back when the call ends. */
	private CompletableFuture<Void> start(String what, Runnable call, long deadline) {
		CompletableFuture<Void> done = new CompletableFuture<>();
		Runnable task = () -> {
			try {
				if (done.isDone() || System.nanoTime() - deadline >= 0) {
					done.completeExceptionally(timedOut(what));
					return;
				}
				call.run();
				done.complete(null);
			}
			catch (RuntimeException | Error ex) {
				done.completeExceptionally(ex);
			}
			finally {
				this.slots.release();
			}
		};
		try {
			this.executor.execute(task);
		}
		catch (RuntimeException ex) {
			this.slots.release();
			throw ex;
		}
		return done;
	}

	private DriverException timedOut(String what) {
		return new DriverException("The " + this.backend + " backend did not " + what + " within " + this.timeout
				+ " (asynctasq.dispatch.timeout). If it answers later the task may still be stored; dispatch again "
				+ "when the backend is back.");
	}

	private DriverException saturated(String what) {
		return new DriverException("Could not " + what + ": " + this.maxInFlight + " dispatches have been waiting on "
				+ "the " + this.backend + " backend for up to " + this.timeout
				+ " (asynctasq.dispatch.timeout); it is not answering. The task was not stored.");
	}

	private static RuntimeException rethrown(Throwable error) {
		if (error instanceof RuntimeException runtime) {
			return runtime;
		}
		if (error instanceof Error fatal) {
			throw fatal;
		}
		return new DriverException(String.valueOf(error), error);
	}

}
