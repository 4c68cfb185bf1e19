package io.asynctasq.test;

import java.util.List;

/**
 * What one {@link ManualWorker#drain()} ran, in order.
 *
 * @param runs the attempts it ran
 */
public record DrainResult(List<TaskRun> runs) {

	public DrainResult {
		runs = List.copyOf(runs);
	}

	/** Attempts that succeeded. */
	public long succeeded() {
		return count(TaskRun.Outcome.SUCCEEDED);
	}

	/** Attempts that failed and were scheduled again. */
	public long retrying() {
		return count(TaskRun.Outcome.RETRYING);
	}

	/** Tasks moved to a dead-letter queue. */
	public long deadLettered() {
		return count(TaskRun.Outcome.DEAD_LETTERED);
	}

	private long count(TaskRun.Outcome outcome) {
		return this.runs.stream().filter((run) -> run.outcome() == outcome).count();
	}

	@Override
	public String toString() {
		return this.runs.size() + " run(s): " + succeeded() + " succeeded, " + retrying() + " retrying, "
				+ deadLettered() + " dead-lettered";
	}

}
