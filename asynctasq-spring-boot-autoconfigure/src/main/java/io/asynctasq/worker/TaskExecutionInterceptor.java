package io.asynctasq.worker;

import java.util.Map;

import io.asynctasq.TaskContext;
import org.jspecify.annotations.Nullable;

/**
 * Runs around each attempt of a task, on the task thread, inside the attempt's observation scope (so it sees
 * the task's trace) and within its timeout: to put a tenant header set at dispatch into a {@code ThreadLocal},
 * the MDC or a security context, to audit, or to refuse. It calls {@link Execution#proceed()} to run the attempt
 * and returns what that returned; throwing (before or after proceeding) fails the attempt like any error of the
 * task, which is then retried per its policy or dead-lettered with that error.
 * <p>
 * A task returning a {@link java.util.concurrent.CompletionStage}: {@code proceed()} returns the stage itself,
 * as soon as the task's method returned it, not its value; the worker awaits the stage after the interceptors
 * returned, so what an interceptor sets on the thread is not seen by code the stage runs later on other
 * threads, and a failure of the stage fails the attempt without passing through the interceptors.
 * <p>
 * A task returning a {@code Mono}, a {@code Flux} or another Reactive Streams {@code Publisher}: {@code proceed()}
 * returns the publisher unsubscribed. An interceptor may return it decorated (for example
 * {@code Mono.from(publisher).contextWrite(...)} to put a header into the Reactor context); the worker subscribes
 * to what the outermost interceptor returned, on the task thread, after the interceptors returned.
 * <p>
 * In Spring Boot every {@code TaskExecutionInterceptor} bean is applied, in
 * {@link org.springframework.core.annotation.Order order}: the first in order is the outermost.
 */
@FunctionalInterface
public interface TaskExecutionInterceptor {

	/**
	 * Runs around one attempt.
	 * @param execution the attempt; valid only during the call
	 * @return what {@link Execution#proceed()} returned (the result of the attempt)
	 * @throws Throwable what the attempt threw, or the interceptor's reason to fail it
	 */
	@Nullable Object intercept(Execution execution) throws Throwable;

	/** One attempt as an interceptor sees it. */
	interface Execution {

		/** The attempt's context: task id, name, queue, attempt (from 1) and maximum attempts. */
		TaskContext context();

		/** The task's id. */
		default String taskId() {
			return context().taskId();
		}

		/** The task's name. */
		default String taskName() {
			return context().taskName();
		}

		/** The queue it came from. */
		default String queue() {
			return context().queue();
		}

		/** The attempt, from 1. */
		default int attempt() {
			return context().attempt();
		}

		/**
		 * The headers of the task's envelope, as the dispatcher's {@link io.asynctasq.dispatch.DispatchInterceptor}s
		 * and observation left them; read-only, empty when there are none.
		 */
		Map<String, String> headers();

		/**
		 * Runs the next interceptor, or the task's method after the last one.
		 * @return the method's return value; for a task returning a {@code CompletionStage}, the stage; for one
		 * returning a {@code Mono} or {@code Flux}, the publisher, not yet subscribed
		 * @throws Throwable what the method (or an inner interceptor) threw
		 */
		@Nullable Object proceed() throws Throwable;

	}

}
