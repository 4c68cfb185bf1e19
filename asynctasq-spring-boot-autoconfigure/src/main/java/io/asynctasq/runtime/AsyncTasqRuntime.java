package io.asynctasq.runtime;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.dispatch.reactive.ReactiveTaskDispatcher;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.inspection.TaskInspector;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.Worker;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.ClassUtils;

/**
 * AsyncTasQ without a Spring context: a driver, the registered tasks, a dispatcher and optionally a
 * running worker. Close it to drain the worker and release everything; if the program never does, a
 * JVM shutdown hook does.
 */
public final class AsyncTasqRuntime implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(AsyncTasqRuntime.class);

	private static final boolean reactorPresent = ClassUtils.isPresent("reactor.core.publisher.Mono",
			AsyncTasqRuntime.class.getClassLoader());

	private final QueueDriver driver;

	private final TaskRegistry registry;

	private final TaskDispatcher dispatcher;

	private final @Nullable Worker worker;

	private final TaskInspector inspector;

	private final ShutdownSequence shutdown;

	private final Thread shutdownHook;

	private boolean closed;

	private volatile @Nullable ReactiveTaskDispatcher reactiveDispatcher;

	AsyncTasqRuntime(QueueDriver driver, TaskRegistry registry, TaskDispatcher dispatcher, @Nullable Worker worker,
			TaskInspector inspector, ShutdownSequence shutdown) {
		this.inspector = inspector;
		this.driver = driver;
		this.registry = registry;
		this.dispatcher = dispatcher;
		this.worker = worker;
		this.shutdown = shutdown;
		this.shutdownHook = new Thread(this::closeFromHook, "asynctasq-shutdown-hook");
		Runtime.getRuntime().addShutdownHook(this.shutdownHook);
	}

	public TaskDispatcher dispatcher() {
		return this.dispatcher;
	}

	/**
	 * The dispatcher for reactive code: lazy, cancellable {@code Mono}s that never block the subscribing thread.
	 * @throws IllegalStateException when Reactor ({@code io.projectreactor:reactor-core}) is not on the class path
	 */
	public ReactiveTaskDispatcher reactiveDispatcher() {
		ReactiveTaskDispatcher reactive = this.reactiveDispatcher;
		if (reactive == null) {
			if (!reactorPresent) {
				throw new IllegalStateException("The reactive dispatcher needs Reactor: add the dependency "
						+ "io.projectreactor:reactor-core, or use dispatcher().dispatchAsync(...), which returns a "
						+ "CompletableFuture");
			}
			reactive = new ReactiveTaskDispatcher(this.dispatcher);
			this.reactiveDispatcher = reactive;
		}
		return reactive;
	}

	public QueueDriver driver() {
		return this.driver;
	}

	public TaskRegistry registry() {
		return this.registry;
	}

	/** Task status by id, queues, dead letters and the workers of the cluster. */
	public TaskInspector inspector() {
		return this.inspector;
	}

	/** The worker, or {@code null} when this runtime only dispatches. */
	public @Nullable Worker worker() {
		return this.worker;
	}

	/** The JVM shutdown hook that closes this runtime if the program never does; for tests. */
	Thread shutdownHook() {
		return this.shutdownHook;
	}

	/** Stops the worker (draining running tasks), then closes the dispatcher, executors and driver. */
	@Override
	public void close() {
		if (doClose()) {
			try {
				Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
			}
			catch (IllegalStateException ex) {
				// the JVM is already shutting down
			}
		}
	}

	private void closeFromHook() {
		if (doClose()) {
			logger.info("AsyncTasQ runtime closed by the JVM shutdown hook (it was never closed by the program)");
		}
	}

	private synchronized boolean doClose() {
		if (this.closed) {
			return false;
		}
		this.closed = true;
		if (this.worker != null) {
			this.worker.stop();
		}
		this.shutdown.run();
		return true;
	}

}
