package io.asynctasq;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;


/**
 * Marks a Spring bean method (or a {@link TaskHandler} class) as a background task.
 * <p>
 * Every attribute left at its default falls back to {@code asynctasq.task-defaults.*}; options given
 * at dispatch time ({@link TaskDispatcher#task(String)}) beat the annotation. Durations accept
 * {@code "30s"}, {@code "PT30S"}, {@code "500ms"} and {@code ${...}} placeholders.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Task {

	/**
	 * The name of the library's executor for CPU-bound tasks, for {@link #executor()}: a pool of platform
	 * threads, one per core ({@code asynctasq.worker.cpu-threads}), so such tasks neither oversubscribe the
	 * cores nor pin the carriers of virtual threads.
	 */
	String CPU_EXECUTOR = "asyncTasqCpuExecutor";

	/** Task name used in the queue; defaults to {@code SimpleClassName.methodName} (or the class name). */
	String name() default "";

	/** Queue the task is dispatched to; defaults to {@code asynctasq.default-queue}. */
	String queue() default "";

	/** Total attempts, the first one included; {@code -1} means the configured default. */
	int maxAttempts() default -1;

	/** Maximum duration of one attempt, after which it is interrupted and counts as failed. */
	String timeout() default "";

	/** Delay before the first retry (the base of exponential back-off). */
	String retryDelay() default "";

	/** Back-off between retries; empty means the configured default. */
	Backoff[] backoff() default {};

	/** Lease of a reserved task; a task whose worker died becomes visible again after it. */
	String visibilityTimeout() default "";

	/** When not empty, only these exceptions (and subclasses) are retried. */
	Class<? extends Throwable>[] retryFor() default {};

	/** These exceptions (and subclasses) are never retried; they win over {@link #retryFor()}. */
	Class<? extends Throwable>[] noRetryFor() default {};

	/**
	 * The executor that runs this task's attempts: the name of an {@code Executor} bean (without Spring, one
	 * given to {@code AsyncTasq.builder().taskExecutor(name, executor)}), or {@link #CPU_EXECUTOR}; empty means
	 * the worker's own executor. The attempt still holds one of the worker's {@code concurrency} slots while it
	 * waits for a thread of that executor; its timeout counts from when it starts. Startup fails when no
	 * executor has that name.
	 */
	String executor() default "";

}
