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

}
