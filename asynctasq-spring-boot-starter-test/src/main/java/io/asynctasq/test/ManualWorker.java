package io.asynctasq.test;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.asynctasq.worker.Worker;

/**
 * Runs the application's tasks when a test says so, on the test's thread: the application's worker, not
 * started, through its interceptors, retry policies and events. {@link #drain()} runs every task ready now,
 * and those they dispatch; a delayed task or a retry is ready once the {@link TestClock} has passed its due
 * time. What each attempt returned or threw is kept as a {@link TaskRun} until the test ends.
 */
public final class ManualWorker {

	/** The most attempts one drain runs: more means a task keeps dispatching tasks. */
	static final int MAX_RUNS_PER_DRAIN = 10_000;

	private final Supplier<Worker> worker;

	private final TaskRunRecorder runs;

	ManualWorker(Supplier<Worker> worker, TaskRunRecorder runs) {
		this.worker = worker;
		this.runs = runs;
	}

	/**
	 * Runs every task ready now, and the tasks they dispatch, until none is ready.
	 * @throws IllegalStateException when it ran {@value #MAX_RUNS_PER_DRAIN} tasks and more are ready
	 */
	public DrainResult drain() {
		int before = this.runs.count();
		int ran = this.worker.get().runReadyTasks(MAX_RUNS_PER_DRAIN);
		if (ran == MAX_RUNS_PER_DRAIN) {
			throw new IllegalStateException("drain() ran " + MAX_RUNS_PER_DRAIN + " tasks and more are ready: does a "
					+ "task dispatch tasks without end? Use runNext() to run them one at a time");
		}
		return new DrainResult(this.runs.runsFrom(before));
	}

	/** Runs the next ready task, if there is one; empty when none was ready. */
	public Optional<TaskRun> runNext() {
		int before = this.runs.count();
		this.worker.get().runReadyTasks(1);
		return this.runs.runsFrom(before).stream().findFirst();
	}

	/** Every attempt run since the test started, oldest first. */
	public List<TaskRun> runs() {
		return this.runs.runs();
	}

	/** The attempts of tasks named {@code taskName}, oldest first. */
	public List<TaskRun> runsOf(String taskName) {
		return this.runs.runs().stream().filter((run) -> run.taskName().equals(taskName)).toList();
	}

	/** Forgets the attempts run so far. */
	public void clear() {
		this.runs.clear();
	}

}
