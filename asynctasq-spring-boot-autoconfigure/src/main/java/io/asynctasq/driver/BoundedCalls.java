package io.asynctasq.driver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Runs driver calls on an executor and bounds how long a caller waits for them, so the caller gets an answer
 * within a timeout whatever the backend does and whatever its client's own timeouts are (Lettuce waits 60 s
 * by default, a pool may wait 30 s for a connection, a socket to a silent server waits for ever). At most
 * {@code maxInFlight} calls run at once: while a backend hangs, that many threads wait on it and further
 * calls fail within the bound instead of piling up threads. A call that had not started when its caller
 * stopped waiting is not made, so nothing is written later behind the caller's back.
 */
public final class BoundedCalls {

	private final Executor executor;

	private final Duration timeout;

	private final String backend;

	private final Semaphore slots;

	private final int maxInFlight;

	private final String property;

	/**
	 * @param executor runs the calls; it needs up to {@code maxInFlight} threads at once
	 * @param timeout the longest a caller waits
	 * @param property the property that sets the timeout, for messages
	 * @param backend the driver's name, for messages
	 */
	public BoundedCalls(Executor executor, Duration timeout, String property, String backend, int maxInFlight) {
		this.executor = executor;
		this.timeout = timeout;
		this.property = property;
		this.backend = backend;
		this.maxInFlight = maxInFlight;
		this.slots = new Semaphore(maxInFlight);
	}

	/**
	 * Runs {@code call} and waits for it at most the timeout, on behalf of a blocking caller.
	 * @param what what the call does, e.g. "enqueue task 0193... on queue 'emails'"
	 * @throws DriverException when it did not finish within the timeout, naming the backend and the property
	 */
	public void run(String what, Runnable call) {
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
					+ "; it may or may not have done it", ex);
		}
		catch (ExecutionException ex) {
			throw rethrown(ex.getCause());
		}
	}

	/**
	 * Runs {@code call} for a caller that does not block: the future fails within the timeout when the call
	 * does not finish, and at once when {@code maxInFlight} calls are already waiting on the backend.
	 */
	public CompletableFuture<Void> submit(String what, Runnable call) {
		return submitAsync(what, () -> {
			call.run();
			return CompletableFuture.completedFuture(null);
		});
	}

	/**
	 * Starts {@code call} on the executor for a caller that does not block, and lets the executor's thread go
	 * as soon as the call returned its future: the backend's answer completes it, and no thread waits for it.
	 * The call keeps its slot until that future completes; the caller's future fails within the timeout, and at
	 * once when {@code maxInFlight} calls are already waiting on the backend. It completes on an executor
	 * thread, never on the client's I/O thread that completed the call's future.
	 */
	public CompletableFuture<Void> submitAsync(String what, Supplier<CompletableFuture<Void>> call) {
		if (!this.slots.tryAcquire()) {
			return CompletableFuture.failedFuture(saturated(what));
		}
		long deadline = System.nanoTime() + this.timeout.toNanos();
		CompletableFuture<Void> done = new CompletableFuture<>();
		Runnable task = () -> {
			CompletableFuture<Void> answer;
			try {
				answer = (done.isDone() || System.nanoTime() - deadline >= 0)
						? CompletableFuture.failedFuture(timedOut(what)) : call.get();
			}
			catch (RuntimeException | Error ex) {
				answer = CompletableFuture.failedFuture(ex);
			}
			BiConsumer<Object, Throwable> finish = (ignored, failure) -> {
				// the slot is free before the caller hears of the outcome: a caller that calls again at
				// once must not find its own finished call still holding a slot
				this.slots.release();
				if (failure == null) {
					done.complete(null);
				}
				else {
					done.completeExceptionally(Causes.unwrapCompletion(failure));
				}
			};
			if (answer.isDone()) {
				answer.whenComplete(finish);
			}
			else {
				// answered later on the client's I/O thread, which must not run what the caller chains on it
				answer.whenCompleteAsync(finish, this::executeOrRun);
			}
		};
		try {
			this.executor.execute(task);
		}
		catch (RuntimeException ex) {
			this.slots.release();
			throw ex;
		}
		done.orTimeout(this.timeout.toNanos(), TimeUnit.NANOSECONDS);
		return done.exceptionallyCompose((error) -> CompletableFuture
			.failedFuture((error instanceof TimeoutException) ? timedOut(what) : error));
	}

	/** Starts the call on the executor; a slot is taken and is given back when the call ends. */
	private CompletableFuture<Void> start(String what, Runnable call, long deadline) {
		CompletableFuture<Void> done = new CompletableFuture<>();
		Runnable task = () -> {
			Throwable failure = null;
			try {
				if (done.isDone() || System.nanoTime() - deadline >= 0) {
					failure = timedOut(what);
				}
				else {
					call.run();
				}
			}
			catch (RuntimeException | Error ex) {
				failure = ex;
			}
			finally {
				// the slot is free before the caller hears of the outcome: a caller that calls again at
				// once must not find its own finished call still holding a slot
				this.slots.release();
			}
			if (failure == null) {
				done.complete(null);
			}
			else {
				done.completeExceptionally(failure);
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

	/** Runs {@code completion} on the executor, or here once the executor no longer takes work. */
	private void executeOrRun(Runnable completion) {
		try {
			this.executor.execute(completion);
		}
		catch (RejectedExecutionException ex) {
			completion.run();
		}
	}

	private DriverException timedOut(String what) {
		return new DriverException("The " + this.backend + " backend did not " + what + " within " + this.timeout
				+ " (" + this.property + ")");
	}

	private DriverException saturated(String what) {
		return new DriverException("The " + this.backend + " backend was not asked to " + what + ": "
				+ this.maxInFlight + " calls have been waiting on it for up to " + this.timeout + " ("
				+ this.property + "); it is not answering");
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
