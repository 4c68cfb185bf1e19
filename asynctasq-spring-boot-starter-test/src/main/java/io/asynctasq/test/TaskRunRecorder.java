package io.asynctasq.test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.AsyncTasqEventRecorder;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.worker.TaskExecutionInterceptor;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;

/**
 * Records each attempt's outcome as a {@link TaskRun}: what the task returned, seen as the innermost
 * {@link TaskExecutionInterceptor}, and how the attempt ended, from the worker's events.
 */
final class TaskRunRecorder implements AsyncTasqEventRecorder, TaskExecutionInterceptor, Ordered {

	private final List<TaskRun> runs = new CopyOnWriteArrayList<>();

	/** What the running attempt of each task returned, until its outcome event. */
	private final Map<String, Returned> returned = new ConcurrentHashMap<>();

	/** Tasks whose failure was recorded, whose dead-letter event is then not another run. */
	private final Set<String> failed = ConcurrentHashMap.newKeySet();

	@Override
	public @Nullable Object intercept(Execution execution) throws Throwable {
		Object value = execution.proceed();
		this.returned.put(execution.taskId(), new Returned(value));
		return value;
	}

	@Override
	public void record(AsyncTasqEvent event) {
		if (event instanceof TaskEvent.Completed completed) {
			Returned value = this.returned.remove(completed.taskId());
			add(new TaskRun(completed.taskId(), completed.taskName(), completed.queue(), completed.attempt(),
					TaskRun.Outcome.SUCCEEDED, (value != null) ? value.unwrapped() : null, null, null));
		}
		else if (event instanceof TaskEvent.Retrying retrying) {
			this.returned.remove(retrying.taskId());
			add(new TaskRun(retrying.taskId(), retrying.taskName(), retrying.queue(), retrying.failedAttempt(),
					TaskRun.Outcome.RETRYING, null, retrying.error(), retrying.delay()));
		}
		else if (event instanceof TaskEvent.Failed failure) {
			this.returned.remove(failure.taskId());
			this.failed.add(failure.taskId());
			add(new TaskRun(failure.taskId(), failure.taskName(), failure.queue(), failure.attempts(),
					TaskRun.Outcome.DEAD_LETTERED, null, failure.error(), null));
		}
		else if (event instanceof TaskEvent.DeadLettered dead && !this.failed.remove(dead.taskId())) {
			// dead-lettered without running: it could not be decoded, or no task of its name is known here
			add(new TaskRun(dead.taskId(), dead.taskName(), dead.queue(), dead.attempts(),
					TaskRun.Outcome.DEAD_LETTERED, null, null, null));
		}
	}

	private void add(TaskRun run) {
		this.runs.add(run);
	}

	/** Every attempt recorded, oldest first. */
	List<TaskRun> runs() {
		return List.copyOf(this.runs);
	}

	/** The attempts recorded after the first {@code from}. */
	List<TaskRun> runsFrom(int from) {
		List<TaskRun> all = runs();
		return (from >= all.size()) ? List.of() : all.subList(from, all.size());
	}

	int count() {
		return this.runs.size();
	}

	void clear() {
		this.runs.clear();
		this.returned.clear();
		this.failed.clear();
	}

	/** Innermost: sees what the task's method itself returned. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	/** A returned value; a future's value once it completed (its outcome event comes after that). */
	private record Returned(@Nullable Object value) {

		@Nullable Object unwrapped() {
			if (this.value instanceof CompletionStage<?> stage) {
				CompletableFuture<?> future = stage.toCompletableFuture();
				return (future.isDone() && !future.isCompletedExceptionally()) ? future.join() : null;
			}
			return this.value;
		}

	}

}
