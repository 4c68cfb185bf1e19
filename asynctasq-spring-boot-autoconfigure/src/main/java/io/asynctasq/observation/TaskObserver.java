package io.asynctasq.observation;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * The hook through which the dispatcher and the worker report dispatches and executions to be observed.
 * Free of Micrometer types, so the library runs without Micrometer on the classpath; {@link #NONE} observes
 * nothing and allocates nothing.
 *
 * @see ObservationTaskObserver
 */
public interface TaskObserver {

	/** Observes nothing: every call returns a shared no-op. */
	TaskObserver NONE = new TaskObserver() {

	};

	/**
	 * A dispatch of a task starts, on the caller's thread, before its envelope is encoded.
	 * @param taskId the id the task is enqueued with
	 * @param taskName the task's name
	 * @param queue the queue it goes to
	 * @return its observation, to be stopped once the driver accepted the task or did not
	 */
	default DispatchObservation dispatchStarted(String taskId, String taskName, String queue) {
		return DispatchObservation.NONE;
	}

	/**
	 * An attempt of a task starts, on the task thread.
	 * @param taskId the task's id
	 * @param taskName the task's name
	 * @param queue the queue it came from
	 * @param attempt the attempt, from 1
	 * @param headers the headers of its envelope (the dispatcher's trace context); empty when it has none
	 * @return its observation, to be stopped when the attempt ends
	 */
	default ExecutionObservation executionStarted(String taskId, String taskName, String queue, int attempt,
			Map<String, String> headers) {
		return ExecutionObservation.NONE;
	}

	/** The observation of one dispatch. */
	interface DispatchObservation {

		/** Observes nothing. */
		DispatchObservation NONE = new DispatchObservation() {

			@Override
			public Map<String, String> headers() {
				return Map.of();
			}

			@Override
			public Runnable wrap(Runnable call) {
				return call;
			}

			@Override
			public void stop(String outcome, @Nullable Throwable error) {
			}

		};

		/** Headers for the task's envelope (the trace context); empty when there are none. */
		Map<String, String> headers();

		/**
		 * {@code call} made to run in the context of this dispatch (and of its caller) on whichever thread runs
		 * it, such as the dispatcher's executor.
		 */
		Runnable wrap(Runnable call);

		/** {@code call} made to run as {@link #wrap(Runnable)} runs a call, returning what it returns. */
		default <T> Supplier<T> wrapCall(Supplier<T> call) {
			AtomicReference<T> result = new AtomicReference<>();
			Runnable wrapped = wrap(() -> result.set(call.get()));
			return () -> {
				wrapped.run();
				return result.get();
			};
		}

		/**
		 * Stops the observation, once.
		 * @param outcome one of {@link TaskObservationOutcomes}'s dispatch outcomes
		 * @param error why the dispatch failed, or {@code null}
		 */
		void stop(String outcome, @Nullable Throwable error);

	}

	/** The observation of one attempt of a task. */
	interface ExecutionObservation {

		/** Observes nothing. */
		ExecutionObservation NONE = new ExecutionObservation() {

			@Override
			public Scope openScope() {
				return Scope.NONE;
			}

			@Override
			public void stop(String outcome, @Nullable Throwable error) {
			}

		};

		/**
		 * Makes this observation the current one on the calling thread until the scope is closed (so log lines
		 * of the task carry its trace), on the same thread.
		 */
		Scope openScope();

		/**
		 * Stops the observation, once.
		 * @param outcome one of {@link TaskObservationOutcomes}'s execution outcomes
		 * @param error what the attempt threw, or {@code null}
		 */
		void stop(String outcome, @Nullable Throwable error);

	}

	/** An open observation scope; closed on the thread that opened it. */
	interface Scope extends AutoCloseable {

		/** Nothing to close. */
		Scope NONE = () -> {
		};

		@Override
		void close();

	}

}
