package io.asynctasq.task;

import io.asynctasq.TaskContext;

/** Runs one attempt of a task with its decoded arguments. */
@FunctionalInterface
public interface TaskInvoker {

	/**
	 * Runs the attempt. The result is ignored unless it is a {@link java.util.concurrent.CompletionStage} or a
	 * Reactive Streams {@code Publisher} ({@code Mono}, {@code Flux}), whose completion is awaited without holding
	 * a thread.
	 */
	Object invoke(Object[] args, TaskContext context) throws Throwable;

}
