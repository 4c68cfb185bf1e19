package io.asynctasq.autoconfigure;

import io.asynctasq.worker.Worker;

/**
 * Customizes the auto-configured {@link Worker} for what {@code asynctasq.worker.*} does not cover, such as its
 * lifecycle phase or auto-startup, or results in another store. Every bean is applied, in
 * {@link org.springframework.core.annotation.Order order}, after the worker was set up from the properties
 * (its settings, results and {@link io.asynctasq.worker.TaskExecutionInterceptor}s) and before it starts.
 */
@FunctionalInterface
public interface AsyncTasqWorkerCustomizer {

	/** Customizes {@code worker}. */
	void customize(Worker worker);

}
