package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.asynctasq.events.TaskEvent;
import io.asynctasq.observation.TaskObservationOutcomes;
import io.asynctasq.observation.TaskObserver;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One attempt of a prepared task: invokes it on the task thread, awaits the {@link CompletionStage} or the
 * Reactive Streams publisher ({@code Mono}, {@code Flux}) it may return without holding that thread, and ends it
 * at its timeout (which cancels the publisher's subscription). A timeout or shutdown interrupts the task
 * thread only while the task's method runs; an interrupt never leaks past it.
 */
final class TaskAttempt {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private final TaskExecution execution;

	private final PreparedAttempt prepared;

	private final Worker worker;

	/** Guards {@link #runner}: interrupting it and ending the window in which it may be interrupted. */
	private final Object interruptLock = new Object();

	/** The thread running the task's method, while it may be interrupted; guarded by the interrupt lock. */
	private @Nullable Thread runner;

	// Volatile: set on the task thread, read by the timer thread (timeout) and the shutdown thread.

	private volatile @Nullable ScheduledFuture<?> timeoutTimer;

	private volatile @Nullable CompletableFuture<?> pendingResult;

	/** Observes the attempt (tracing); set on the task thread before the attempt's method runs. */
	private volatile TaskObserver.ExecutionObservation observation = TaskObserver.ExecutionObservation.NONE;

	/** When the attempt started; {@code null} before it did. */
	private volatile @Nullable Instant startedAt;

	TaskAttempt(TaskExecution execution, PreparedAttempt prepared, Worker worker) {
		this.execution = execution;
		this.prepared = prepared;
		this.worker = worker;
	}

	/** Runs the attempt on the calling task thread; a returned future is awaited without it. */
	void run() {
		synchronized (this.interruptLock) {
			this.runner = Thread.currentThread();
		}
		// Shutdown may have released the task while it was being prepared; from here on it would
		// interrupt this thread instead.
		if (!this.execution.startAttempt()) {
			stopInterrupting();
			return;
		}
		if (this.prepared.options().hasTimeout()) {
			armTimeout(this.prepared.options().timeout());
		}
		Instant startedAt = Instant.now();
		this.startedAt = startedAt;
		RunningTaskContext context = this.prepared.context();
		String id = this.execution.reservation().id();
		logger.debug("Task {} '{}' attempt {}/{} started", id, context.taskName(), context.attempt(),
				context.maxAttempts());
		this.worker.publish(new TaskEvent.Started(id, context.taskName(), context.queue(), context.attempt(),
				this.execution.reservation().message().enqueuedAt(), this.worker.workerId(), startedAt));
		TaskObserver.ExecutionObservation observation = this.worker.taskObserver()
			.executionStarted(id, context.taskName(), context.queue(), context.attempt(), this.prepared.headers());
		this.observation = observation;
		Object result;
		try (TaskObserver.Scope scope = observation.openScope()) {
			List<TaskExecutionInterceptor> interceptors = this.worker.executionInterceptors();
			result = interceptors.isEmpty() ? this.prepared.task().invoker().invoke(this.prepared.args(), context)
					: new InterceptedExecution(interceptors, this.prepared).proceed();
			if (PublisherResults.isPublisher(result)) {
				// subscribed in the attempt's scope, on this thread; what it runs synchronously can be interrupted
				result = PublisherResults.subscribe(result);
			}
		}
		catch (Throwable ex) {
			this.execution.endAttempt();
			stopInterrupting();
			finish(startedAt, ex, null);
			return;
		}
		if (!(result instanceof CompletionStage<?> stage)) {
			this.execution.endAttempt();
			stopInterrupting();
			finish(startedAt, null, result);
			return;
		}
		stopInterrupting();
		await(stage.toCompletableFuture(), startedAt);
	}

	private void armTimeout(Duration timeout) {
		this.timeoutTimer = this.worker.scheduler().schedule(this::timeOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
		if (this.execution.state() != TaskExecution.State.RUNNING) {
			cancelTimeout(); // released meanwhile, perhaps before there was a timer to cancel
		}
	}

	private void await(CompletableFuture<?> future, Instant startedAt) {
		this.pendingResult = future;
		future.whenComplete((value, error) -> {
			// the attempt ends when the future completes, not when a thread is free to record it
			this.execution.endAttempt();
			this.worker.executor().execute(() -> {
				MDC.put(TaskExecution.MDC_TASK_ID, this.execution.reservation().id());
				MDC.put(TaskExecution.MDC_TASK, this.prepared.taskName());
				try {
					finish(startedAt,
							(error instanceof CompletionException && error.getCause() != null) ? error.getCause() : error,
							value);
				}
				finally {
					MDC.remove(TaskExecution.MDC_TASK_ID);
					MDC.remove(TaskExecution.MDC_TASK);
				}
			});
		});
		// The timeout or shutdown may have come while the method still ran, before there was a
		// future to complete: end the attempt now rather than wait for a future nobody completes.
		TaskExecution.State state = this.execution.state();
		if (state == TaskExecution.State.TIMED_OUT) {
			future.completeExceptionally(timeoutError());
		}
		else if (state == TaskExecution.State.RELEASED || state == TaskExecution.State.DONE) {
			future.cancel(true);
		}
	}

	/** Ends the window in which a timeout or shutdown may interrupt this thread, and clears a late interrupt. */
	private void stopInterrupting() {
		synchronized (this.interruptLock) {
			this.runner = null;
		}
		Thread.interrupted();
	}

	private void interruptRunner() {
		synchronized (this.interruptLock) {
			Thread thread = this.runner;
			if (thread != null) {
				thread.interrupt();
			}
		}
	}

	private void timeOut() {
		if (!this.execution.timeOut()) {
			return;
		}
		logger.warn("Task {} '{}' exceeded its timeout of {}; interrupting it", this.execution.reservation().id(),
				this.prepared.taskName(), this.prepared.options().timeout());
		interruptRunner();
		CompletableFuture<?> future = this.pendingResult;
		if (future != null) {
			future.completeExceptionally(timeoutError());
		}
	}

	private TaskTimeoutException timeoutError() {
		return new TaskTimeoutException(this.prepared.taskName(), this.prepared.options().timeout());
	}

	/** When the attempt started, or {@code null} when it has not. */
	@Nullable Instant startedAt() {
		return this.startedAt;
	}

	/** Shutdown released the task: interrupts its method or cancels the future it returned. */
	void abandon() {
		interruptRunner();
		CompletableFuture<?> future = this.pendingResult;
		if (future != null) {
			future.cancel(true);
		}
	}

	void cancelTimeout() {
		ScheduledFuture<?> timer = this.timeoutTimer;
		if (timer != null) {
			timer.cancel(false);
		}
	}

	/**
	 * The attempt ended with {@code error} ({@code null} when it succeeded, returning {@code value}): records its
	 * outcome, unless released.
	 */
	private void finish(Instant startedAt, @Nullable Throwable error, @Nullable Object value) {
		cancelTimeout();
		TaskExecution.State ended = this.execution.startRecording();
		if (ended == null) {
			this.observation.stop(TaskObservationOutcomes.RELEASED, null);
			this.execution.end(); // released by shutdown
			return;
		}
		if (ended == TaskExecution.State.TIMED_OUT && !(error instanceof TaskTimeoutException)) {
			TaskTimeoutException timeout = timeoutError();
			if (error != null) {
				timeout.initCause(error);
			}
			error = timeout;
		}
		TaskObserver.ExecutionObservation observation = this.observation;
		if (error == null) {
			observation.stop(TaskObservationOutcomes.SUCCESS, null);
			// the thread moves on to the next task, the fetcher may reserve another; the execution ends once the
			// driver acknowledged this one
			this.execution.freeRunSlot();
			this.execution.returnPermit();
			this.worker.recorder().succeeded(this.execution, this.prepared, startedAt, value);
			return;
		}
		// the failure is recorded (and logged) in the attempt's trace
		try (TaskObserver.Scope scope = observation.openScope()) {
			this.worker.recorder().attemptFailed(this.execution.reservation(), this.prepared, error,
					Duration.between(startedAt, Instant.now()));
		}
		finally {
			observation.stop((error instanceof TaskTimeoutException) ? TaskObservationOutcomes.TIMEOUT
					: TaskObservationOutcomes.FAILURE, error);
			this.execution.end();
		}
	}

}
