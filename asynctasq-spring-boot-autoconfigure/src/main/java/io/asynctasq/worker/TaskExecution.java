package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.codec.UndecodableTaskException;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.Reservation;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.task.RetryPolicy;
import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One reserved task on its way through a worker: decode, run one attempt under its timeout and lease,
 * then acknowledge, retry or dead-letter it. Shutdown may take it over (release it back to its queue)
 * before it starts or while it runs; whichever side moves its state first decides its outcome.
 */
final class TaskExecution implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	/** MDC key holding the task id while task code runs. */
	static final String MDC_TASK_ID = "asynctasq.taskId";

	enum State {

		NEW, RUNNING, FINISHING, RELEASED

	}

	private final Worker worker;

	private final Reservation reservation;

	private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

	private volatile String taskName = "?";

	private TaskDefinition task;

	private Object[] args;

	private TaskOptions options;

	private RunningTaskContext context;

	private Instant startedAt;

	/** The lease this task holds: the worker's default until its own visibility timeout is known. */
	private volatile Duration lease;

	/** When the lease was last granted or extended ({@link System#nanoTime()}). */
	private volatile long leaseGrantedAt = System.nanoTime();

	private volatile boolean leaseLost;

	private ScheduledFuture<?> timeoutTimer;

	private ScheduledFuture<?> leaseTimer;

	private volatile CompletableFuture<?> pendingResult;

	/** Guards interrupting the runner thread so an interrupt never leaks past the attempt. */
	private final Object interruptLock = new Object();

	private Thread runner;

	/**
	 * Set by whichever comes first: the attempt ending (its method returning or throwing, or its future
	 * completing) or its timeout. A timeout that comes after the attempt ended is ignored, however long
	 * recording the outcome then takes.
	 */
	private final AtomicBoolean ended = new AtomicBoolean();

	private volatile boolean timedOut;

	private volatile boolean done;

	private enum Slot {

		NONE, GRANTED, FREED

	}

	private volatile Slot slot = Slot.NONE;

	TaskExecution(Worker worker, Reservation reservation) {
		this.worker = worker;
		this.reservation = reservation;
		this.lease = worker.settings().taskDefaults().visibilityTimeout();
	}

	Reservation reservation() {
		return this.reservation;
	}

	/** Gives this execution one of the worker's run slots; it is handed back once, when it ends. */
	void grantRunSlot() {
		this.slot = Slot.GRANTED;
	}

	/** Hands a granted run slot back to the worker, once. */
	void freeRunSlot() {
		synchronized (this.interruptLock) {
			if (this.slot != Slot.GRANTED) {
				return;
			}
			this.slot = Slot.FREED;
		}
		this.worker.runSlotFreed();
	}

	/** Whether the attempt has not started (prefetched, or queued in the executor). */
	boolean isNew() {
		return this.state.get() == State.NEW;
	}

	@Override
	public void run() {
		if (this.worker.isStopping()) {
			// a prefetched task reaching a thread during shutdown goes back unstarted
			releaseForShutdown();
			freeRunSlot();
			return;
		}
		if (!this.state.compareAndSet(State.NEW, State.RUNNING)) {
			// released by shutdown while it waited: hand its run slot on
			freeRunSlot();
			return;
		}
		MDC.put(MDC_TASK_ID, this.reservation.id());
		try {
			if (prepare()) {
				invoke();
			}
		}
		catch (RuntimeException | Error ex) {
			logger.error("Task {}: worker failure while handling it; its lease will expire and it will be retried",
					this.reservation.id(), ex);
			cleanUp();
		}
		finally {
			MDC.remove(MDC_TASK_ID);
		}
	}

	/**
	 * Decodes the task. A corrupt message or a body that is not a task is dead-lettered at once; a task this
	 * worker does not know, or whose arguments do not fit, goes back to its queue for a worker that can run it
	 * until its grace has passed.
	 */
	private boolean prepare() {
		if (this.reservation.isCorrupt()) {
			deadLetterUnrunnable("corrupt message", new UndecodableTaskException(this.reservation.defect()));
			return false;
		}
		TaskEnvelope envelope;
		try {
			envelope = this.worker.codec().decode(this.reservation.message().body());
		}
		catch (UndecodableTaskException ex) {
			deadLetterUnrunnable("undecodable payload", ex);
			return false;
		}
		this.taskName = envelope.taskName();
		this.task = this.worker.registry().find(envelope.taskName()).orElse(null);
		if (this.task == null) {
			cannotRunHere("unknown task",
					new UndecodableTaskException("no task named '" + envelope.taskName() + "' is registered here"),
					envelope);
			return false;
		}
		try {
			this.args = this.worker.codec().decodeArguments(this.task, envelope.args());
		}
		catch (UndecodableTaskException ex) {
			cannotRunHere("undecodable arguments", ex, envelope);
			return false;
		}
		TaskOptions options = envelope.options().orElse(this.task.options()).orElse(this.worker.settings().taskDefaults());
		this.options = options;
		this.context = new RunningTaskContext(this.reservation.id(), this.task.name(), this.reservation.attempt(),
				options.maxAttempts(), this.reservation.queue(), envelope.dispatchedAt(), this.worker::isStopping);
		if (this.reservation.attempt() > options.maxAttempts()) {
			this.state.set(State.FINISHING);
			failPermanently(new AttemptsExhaustedException(this.task.name(), this.reservation.attempt(),
					options.maxAttempts()));
			cleanUp();
			return false;
		}
		Duration defaultLease = this.lease;
		if (!options.visibilityTimeout().equals(defaultLease)) {
			this.lease = options.visibilityTimeout();
			this.worker.driver().extendLease(this.reservation, this.lease);
			this.leaseGrantedAt = System.nanoTime();
			if (this.lease.compareTo(defaultLease) < 0) {
				// shorter than the worker's shared renewal period: this task needs a timer of its own
				scheduleLeaseRenewal();
			}
		}
		if (options.hasTimeout()) {
			Duration timeout = options.timeout();
			this.timeoutTimer = this.worker.scheduler()
				.schedule(() -> timeOut(timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		return true;
	}

	private void invoke() {
		synchronized (this.interruptLock) {
			this.runner = Thread.currentThread();
		}
		// Shutdown may have released the task while it was being prepared; from here on it would
		// interrupt this thread instead.
		if (this.state.get() != State.RUNNING) {
			stopInterrupting();
			cancelTimers();
			return;
		}
		this.startedAt = Instant.now();
		logger.debug("Task {} '{}' attempt {}/{} started", this.reservation.id(), this.task.name(),
				this.context.attempt(), this.context.maxAttempts());
		this.worker.publish(new TaskEvent.Started(this.reservation.id(), this.task.name(), this.reservation.queue(),
				this.context.attempt(), this.worker.workerId(), this.startedAt));
		Object result;
		try {
			result = this.task.invoker().invoke(this.args, this.context);
		}
		catch (Throwable ex) {
			this.ended.set(true);
			stopInterrupting();
			finish(ex);
			return;
		}
		if (!(result instanceof CompletionStage<?>)) {
			this.ended.set(true);
		}
		stopInterrupting();
		if (result instanceof CompletionStage<?> stage) {
			CompletableFuture<?> future = stage.toCompletableFuture();
			this.pendingResult = future;
			future.whenComplete((value, error) -> {
				// the attempt ends when the future completes, not when a thread is free to record it
				this.ended.set(true);
				this.worker.executor().execute(() -> {
					MDC.put(MDC_TASK_ID, this.reservation.id());
					try {
						finish((error instanceof CompletionException && error.getCause() != null) ? error.getCause()
								: error);
					}
					finally {
						MDC.remove(MDC_TASK_ID);
					}
				});
			});
			// The timeout or shutdown may have come while the method still ran, before there was a
			// future to complete: end the attempt now rather than wait for a future nobody completes.
			if (this.timedOut) {
				future.completeExceptionally(new TaskTimeoutException(this.taskName, this.options.timeout()));
			}
			else if (this.state.get() == State.RELEASED) {
				future.cancel(true);
			}
			return;
		}
		finish(null);
	}

	/** Ends the window in which a timeout or shutdown may interrupt this thread, and clears a late interrupt. */
	private void stopInterrupting() {
		synchronized (this.interruptLock) {
			this.runner = null;
		}
		Thread.interrupted();
	}

	private void timeOut(Duration timeout) {
		if (!this.ended.compareAndSet(false, true)) {
			return;
		}
		this.timedOut = true;
		logger.warn("Task {} '{}' exceeded its timeout of {}; interrupting it", this.reservation.id(), this.taskName,
				timeout);
		interruptRunner();
		CompletableFuture<?> future = this.pendingResult;
		if (future != null) {
			future.completeExceptionally(new TaskTimeoutException(this.taskName, timeout));
		}
	}

	private void interruptRunner() {
		synchronized (this.interruptLock) {
			if (this.runner != null) {
				this.runner.interrupt();
			}
		}
	}

	private void finish(Throwable error) {
		cancelTimers();
		if (!this.state.compareAndSet(State.RUNNING, State.FINISHING)) {
			cleanUp();
			return;
		}
		if (this.timedOut && !(error instanceof TaskTimeoutException)) {
			TaskTimeoutException timeout = new TaskTimeoutException(this.task.name(), this.options.timeout());
			if (error != null) {
				timeout.initCause(error);
			}
			error = timeout;
		}
		try {
			if (error == null) {
				complete();
			}
			else if (RetryPolicy.shouldRetry(this.task, this.options, this.context.attempt(), error, this.context)) {
				retry(error);
			}
			else {
				failPermanently(error);
			}
		}
		catch (RuntimeException ex) {
			logger.error("Task {} '{}': the driver failed to record the attempt's outcome; the task comes back when "
					+ "its lease expires and runs again only if it has attempts left", this.reservation.id(),
					this.taskName, ex);
		}
		finally {
			cleanUp();
		}
	}

	private void complete() {
		Duration duration = Duration.between(this.startedAt, Instant.now());
		if (!this.worker.driver().acknowledge(this.reservation)) {
			logger.warn("Task {} '{}' completed but its lease was lost (it ran longer than its visibility timeout "
					+ "without renewal); it may run again", this.reservation.id(), this.taskName);
			return;
		}
		this.worker.countProcessed();
		logger.debug("Task {} '{}' completed in {} ms", this.reservation.id(), this.taskName, duration.toMillis());
		this.worker.publish(new TaskEvent.Completed(this.reservation.id(), this.task.name(), this.reservation.queue(),
				this.context.attempt(), duration, this.worker.workerId(), Instant.now()));
	}

	private void retry(Throwable error) {
		Duration delay = RetryPolicy.delayAfter(this.options, this.context.attempt());
		if (!this.worker.driver().retry(this.reservation, delay)) {
			logger.warn("Task {} '{}' failed but its lease was lost; not scheduling a retry", this.reservation.id(),
					this.taskName);
			return;
		}
		this.worker.countProcessed();
		logger.warn("Task {} '{}' attempt {}/{} failed ({}); retrying in {} ms", this.reservation.id(), this.taskName,
				this.context.attempt(), this.context.maxAttempts(), error.toString(), delay.toMillis());
		this.worker.publish(new TaskEvent.Retrying(this.reservation.id(), this.task.name(), this.reservation.queue(),
				this.context.attempt(), delay, error, Instant.now()));
	}

	/** Dead-letters the task, then fires the failure event and the failure hook, once. */
	private void failPermanently(Throwable error) {
		if (!deadLetter(DeadLetter.Failure.of("failed", error))) {
			logger.warn("Task {} '{}' failed but its lease was lost; not dead-lettering it", this.reservation.id(),
					this.taskName);
			return;
		}
		this.worker.countProcessed();
		logger.error("Task {} '{}' failed permanently after {} attempt(s); moved to the dead-letter queue",
				this.reservation.id(), this.taskName, this.context.attempt(), error);
		Instant now = Instant.now();
		this.worker.publish(new TaskEvent.Failed(this.reservation.id(), this.task.name(), this.reservation.queue(),
				this.context.attempt(), error, now));
		this.worker.publish(new TaskEvent.DeadLettered(this.reservation.id(), this.task.name(),
				this.reservation.queue(), this.context.attempt(), "failed", now));
		try {
			this.task.hooks().failed(this.args, error, this.context);
		}
		catch (RuntimeException ex) {
			logger.error("Task {} '{}': the failure hook threw; ignored", this.reservation.id(), this.taskName, ex);
		}
	}

	/**
	 * A task this worker cannot run goes back to its queue, its attempt not counted, while its grace lasts
	 * (a newer worker on the same queue may know it); after that it is dead-lettered with why.
	 */
	private void cannotRunHere(String reason, UndecodableTaskException error, TaskEnvelope envelope) {
		UnknownTaskGrace grace = this.worker.unknownTaskGrace();
		Duration delay = grace.postponement(envelope.dispatchedAt(), Instant.now());
		if (delay == null) {
			deadLetterUnrunnable(reason, new UndecodableTaskException(error.getMessage() + " (no worker ran it within "
					+ grace.grace() + " of its dispatch)", error));
			return;
		}
		this.state.set(State.FINISHING);
		try {
			if (this.worker.driver().postpone(this.reservation, delay)) {
				grace.warnPostponed(this.reservation.id(), this.taskName, this.reservation.queue(), reason,
						error.getMessage(), delay);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Task {} '{}': putting it back for a worker that can run it failed; it returns when its "
					+ "lease expires", this.reservation.id(), this.taskName, ex);
		}
		finally {
			cleanUp();
		}
	}

	/**
	 * Moves the task to its dead-letter queue. When the backend refuses the failure's texts, the failure is
	 * stored without its message and stack trace; when it refuses that too, the error is logged and the task
	 * stays reserved until its lease expires (its attempts are used up, so it is not run again).
	 * @return whether it was dead-lettered; {@code false} when the lease was lost
	 */
	private boolean deadLetter(DeadLetter.Failure failure) {
		try {
			return this.worker.driver().deadLetter(this.reservation, failure);
		}
		catch (RuntimeException refused) {
			logger.warn("Task {} '{}': the dead-letter write failed ({}); storing the failure without its message and "
					+ "stack trace", this.reservation.id(), this.taskName, refused.toString());
			try {
				return this.worker.driver().deadLetter(this.reservation, failure.withoutDetails());
			}
			catch (RuntimeException again) {
				again.addSuppressed(refused);
				throw again;
			}
		}
	}

	private void deadLetterUnrunnable(String reason, Exception error) {
		this.state.set(State.FINISHING);
		try {
			if (deadLetter(DeadLetter.Failure.of(reason, error))) {
				logger.error("Task {} cannot run ({}: {}); moved to the dead-letter queue", this.reservation.id(),
						reason, error.getMessage());
				this.worker.publish(new TaskEvent.DeadLettered(this.reservation.id(), this.taskName,
						this.reservation.queue(), this.reservation.attempt(), reason + ": " + error.getMessage(),
						Instant.now()));
			}
		}
		catch (RuntimeException ex) {
			logger.error("Task {} cannot run ({}: {}) and could not be dead-lettered; it comes back when its lease "
					+ "expires", this.reservation.id(), reason, error.getMessage(), ex);
		}
		finally {
			cleanUp();
		}
	}

	/**
	 * Shutdown takes the task over: it goes back to its queue without counting the attempt, and a
	 * running attempt is interrupted. Returns {@code false} when the task already finished.
	 */
	boolean releaseForShutdown() {
		State previous = this.state.get();
		if ((previous != State.NEW && previous != State.RUNNING) || !this.state.compareAndSet(previous, State.RELEASED)) {
			return false;
		}
		cancelTimers();
		try {
			if (this.worker.driver().release(this.reservation)) {
				logger.info("Task {} '{}' released back to queue '{}' on shutdown", this.reservation.id(),
						this.taskName, this.reservation.queue());
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Task {}: release on shutdown failed; it returns when its lease expires",
					this.reservation.id(), ex);
		}
		if (previous == State.RUNNING) {
			interruptRunner();
			CompletableFuture<?> future = this.pendingResult;
			if (future != null) {
				future.cancel(true);
			}
		}
		cleanUp();
		return true;
	}

	private void scheduleLeaseRenewal() {
		long period = Math.max(10, this.lease.toMillis() / 3);
		this.leaseTimer = this.worker.scheduler().scheduleAtFixedRate(this::renewLease, period, period,
				TimeUnit.MILLISECONDS);
	}

	/**
	 * Extends the lease once a third of it has passed (called by the worker's {@link LeaseRenewer} for
	 * every reserved task, started or prefetched).
	 */
	void renewLeaseIfDue(long now) {
		if (this.leaseTimer == null && now - this.leaseGrantedAt >= this.lease.toNanos() / 3) {
			renewLease();
		}
	}

	private void renewLease() {
		if (this.leaseLost || this.done) {
			return;
		}
		try {
			long now = System.nanoTime();
			if (this.worker.driver().extendLease(this.reservation, this.lease)) {
				this.leaseGrantedAt = now;
				return;
			}
			if (this.done) {
				return; // finished meanwhile: the lease ended with it
			}
			this.leaseLost = true;
			logger.warn("Task {} '{}': lease lost; another worker may run it", this.reservation.id(), this.taskName);
			ScheduledFuture<?> timer = this.leaseTimer;
			if (timer != null) {
				timer.cancel(false);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Task {}: lease renewal failed; will try again", this.reservation.id(), ex);
		}
	}

	private void cancelTimers() {
		ScheduledFuture<?> timeout = this.timeoutTimer;
		if (timeout != null) {
			timeout.cancel(false);
		}
		ScheduledFuture<?> renewal = this.leaseTimer;
		if (renewal != null) {
			renewal.cancel(false);
		}
	}

	private synchronized void cleanUp() {
		if (this.done) {
			return;
		}
		this.done = true;
		cancelTimers();
		this.worker.executionEnded(this);
	}

}
