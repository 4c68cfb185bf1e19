package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.asynctasq.driver.Reservation;
import io.asynctasq.events.TaskEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One reserved task on its way through a worker: prepared, run as one attempt, its outcome recorded; or taken
 * over by shutdown and released back to its queue. Its {@link State} says where it is; whichever side moves
 * the state first decides what happens to it.
 */
final class TaskExecution implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	/** MDC key holding the task id while task code runs. */
	static final String MDC_TASK_ID = "asynctasq.taskId";

	/** MDC key holding the task's name while task code runs. */
	static final String MDC_TASK = "asynctasq.task";

	/**
	 * Where a reserved task is. Each move is one compare-and-set, made by one method of this class:
	 * <ul>
	 * <li>{@code NEW → PREPARING} ({@link #startPreparing}): a task thread takes it up;</li>
	 * <li>{@code PREPARING → RUNNING} ({@link #startAttempt}): its attempt starts;</li>
	 * <li>{@code PREPARING → FINISHING} ({@link #settleUnrun}): it is dead-lettered or postponed without
	 * running;</li>
	 * <li>{@code RUNNING → ENDED} ({@link #endAttempt}): its method returned or threw, or the future it returned
	 * completed;</li>
	 * <li>{@code RUNNING → TIMED_OUT} ({@link #timeOut}): its timeout came first; it is interrupted and its
	 * outcome is a timeout whatever it returns;</li>
	 * <li>{@code ENDED, TIMED_OUT → FINISHING} ({@link #startRecording}): its outcome is being recorded;</li>
	 * <li>{@code NEW, PREPARING, RUNNING, ENDED, TIMED_OUT → RELEASED} ({@link #releaseForShutdown}):
	 * shutdown took it over;</li>
	 * <li>any state but {@code DONE} → {@code DONE} ({@link #end}): it no longer holds a reservation or a run slot
	 * (after finishing or being released, or when the worker failed handling it).</li>
	 * </ul>
	 */
	enum State {

		NEW, PREPARING, RUNNING, ENDED, TIMED_OUT, FINISHING, RELEASED, DONE

	}

	private enum Slot {

		NONE, GRANTED, FREED

	}

	private final Worker worker;

	private final Reservation reservation;

	private final TaskLease lease;

	private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

	/**
	 * Whether it holds one of the worker's run slots; apart from the state, since a prefetched task that
	 * shutdown released is still handed a slot, which it hands straight on.
	 */
	private final AtomicReference<Slot> slot = new AtomicReference<>(Slot.NONE);

	/** Whether the permit this reservation took from the worker went back. */
	private final AtomicBoolean permitReturned = new AtomicBoolean();

	/** For log lines of shutdown and the lease timers; known once the task is decoded. */
	private volatile String taskName = "?";

	/** Set by the task thread before the state moves to {@code RUNNING}, so whoever sees that state sees it. */
	private volatile @Nullable TaskAttempt attempt;

	TaskExecution(Worker worker, Reservation reservation) {
		this.worker = worker;
		this.reservation = reservation;
		this.lease = new TaskLease(this, worker.driver(), worker.scheduler(),
				worker.settings().taskDefaults().visibilityTimeout());
	}

	Reservation reservation() {
		return this.reservation;
	}

	String taskName() {
		return this.taskName;
	}

	State state() {
		return this.state.get();
	}

	/**
	 * Hands the reservation's permit back to the worker, once: when the attempt succeeded (its acknowledgement
	 * then rides with others' and must not keep the worker from reserving more) or when the execution ends.
	 */
	void returnPermit() {
		if (this.permitReturned.compareAndSet(false, true)) {
			this.worker.permitReturned();
		}
	}

	/** Gives this execution one of the worker's run slots; it is handed back once, when it ends. */
	void grantRunSlot() {
		this.slot.set(Slot.GRANTED);
	}

	/** Hands a granted run slot back to the worker, once. */
	void freeRunSlot() {
		if (this.slot.compareAndSet(Slot.GRANTED, Slot.FREED)) {
			this.worker.runSlotFreed();
		}
	}

	/** Whether the attempt has not started (prefetched, or queued in the executor). */
	boolean isNew() {
		return this.state.get() == State.NEW;
	}

	/** Whether its lease is still to be kept: it was neither released nor ended. */
	boolean holdsLease() {
		State current = this.state.get();
		return current != State.RELEASED && current != State.DONE;
	}

	@Override
	public void run() {
		if (this.worker.isStopping()) {
			// a prefetched task reaching a thread during shutdown goes back unstarted
			releaseForShutdown();
			freeRunSlot();
			return;
		}
		if (!startPreparing()) {
			// released by shutdown while it waited: hand its run slot on
			freeRunSlot();
			return;
		}
		MDC.put(MDC_TASK_ID, this.reservation.id());
		try {
			Preparation preparation = this.worker.preparer().prepare(this.reservation, this.lease);
			this.taskName = preparation.taskName();
			MDC.put(MDC_TASK, this.taskName);
			if (preparation instanceof PreparedAttempt prepared) {
				TaskAttempt attempt = new TaskAttempt(this, prepared, this.worker);
				this.attempt = attempt;
				Executor own = this.worker.executorFor(prepared.task());
				if (own == null) {
					attempt.run();
				}
				else {
					runOn(own, attempt);
				}
			}
			else if (settleUnrun()) {
				this.worker.recorder().settleUnrun(this.reservation, preparation);
				end();
			}
		}
		catch (RuntimeException | Error ex) {
			workerFailure(ex);
		}
		finally {
			MDC.remove(MDC_TASK_ID);
			MDC.remove(MDC_TASK);
		}
	}

	/** A failure of the worker itself, not of the task: the task ends here, and its lease expires. */
	private void workerFailure(Throwable ex) {
		logger.error("Task {}: worker failure while handling it; its lease will expire and it will be retried",
				this.reservation.id(), ex);
		end();
	}

	/**
	 * Hands the attempt to the executor its task names; this thread moves on, and the attempt keeps its run slot
	 * while it waits for a thread there. Shutdown releases it unstarted as it does a prefetched task.
	 */
	private void runOn(Executor executor, TaskAttempt attempt) {
		try {
			executor.execute(() -> {
				MDC.put(MDC_TASK_ID, this.reservation.id());
				MDC.put(MDC_TASK, this.taskName);
				try {
					attempt.run();
				}
				catch (RuntimeException | Error ex) {
					workerFailure(ex);
				}
				finally {
					MDC.remove(MDC_TASK_ID);
					MDC.remove(MDC_TASK);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			if (!this.worker.isStopping()) {
				logger.warn("Task {} '{}': its executor rejected it ({}); it goes back to queue '{}'",
						this.reservation.id(), this.taskName, ex.getMessage(), this.reservation.queue());
			}
			releaseForShutdown();
		}
	}

	/**
	 * Shutdown takes the task over: it goes back to its queue without counting the attempt, and a
	 * running attempt is interrupted. Returns {@code false} when the task already finished.
	 */
	boolean releaseForShutdown() {
		State previous = moveToReleased();
		if (previous == null) {
			return false;
		}
		stopTimers();
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
		TaskAttempt running = this.attempt; // set before the state became RUNNING
		if (running != null
				&& (previous == State.RUNNING || previous == State.ENDED || previous == State.TIMED_OUT)) {
			running.abandon();
			Instant startedAt = running.startedAt();
			Instant now = Instant.now();
			this.worker.publish(new TaskEvent.Released(this.reservation.id(), this.taskName, this.reservation.queue(),
					this.reservation.attempt(), (startedAt != null) ? Duration.between(startedAt, now) : Duration.ZERO,
					this.worker.workerId(), now));
		}
		end();
		return true;
	}

	/** Its lease, which the worker's {@link LeaseRenewer} renews with the others due at the same time. */
	TaskLease lease() {
		return this.lease;
	}

	// The transitions of State, one compare-and-set each

	private boolean startPreparing() {
		return this.state.compareAndSet(State.NEW, State.PREPARING);
	}

	/** The attempt starts, unless shutdown released the task while it was being prepared. */
	boolean startAttempt() {
		return this.state.compareAndSet(State.PREPARING, State.RUNNING);
	}

	private boolean settleUnrun() {
		return this.state.compareAndSet(State.PREPARING, State.FINISHING);
	}

	/** The attempt ended; {@code false} when its timeout or shutdown came first. */
	boolean endAttempt() {
		return this.state.compareAndSet(State.RUNNING, State.ENDED);
	}

	/** The attempt's timeout came before its end; {@code false} when it had ended or was released. */
	boolean timeOut() {
		return this.state.compareAndSet(State.RUNNING, State.TIMED_OUT);
	}

	/**
	 * The ended attempt's outcome is to be recorded.
	 * @return {@code ENDED} or {@code TIMED_OUT}, the state it left; {@code null} when shutdown released it
	 */
	@Nullable State startRecording() {
		while (true) {
			State current = this.state.get();
			if (current != State.ENDED && current != State.TIMED_OUT) {
				return null;
			}
			if (this.state.compareAndSet(current, State.FINISHING)) {
				return current;
			}
		}
	}

	/** @return the state it left; {@code null} when it was finishing or had ended */
	private @Nullable State moveToReleased() {
		while (true) {
			State current = this.state.get();
			if (current == State.FINISHING || current == State.RELEASED || current == State.DONE) {
				return null;
			}
			if (this.state.compareAndSet(current, State.RELEASED)) {
				return current;
			}
		}
	}

	/** Ends the execution, once: stops its timers and hands its reservation and run slot back to the worker. */
	void end() {
		if (this.state.getAndSet(State.DONE) == State.DONE) {
			return;
		}
		stopTimers();
		this.worker.executionEnded(this);
	}

	private void stopTimers() {
		this.lease.stop();
		TaskAttempt running = this.attempt;
		if (running != null) {
			running.cancelTimeout();
		}
	}

}
