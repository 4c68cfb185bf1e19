package io.asynctasq.runtime;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Closes AsyncTasQ's driver, pools and executors in the last phase of shutdown: after the worker
 * drained and after the web server's graceful shutdown, so a request still in flight can dispatch.
 * <p>
 * Only closing the context closes them: a context that is merely stopped (or paused) keeps them, so
 * the worker can resume when it starts again. A context stopped before it closed closes them when
 * this bean is destroyed.
 */
public class InfrastructureLifecycle implements SmartLifecycle, ApplicationContextAware, DisposableBean {

	/**
	 * Below the web server's start/stop phase ({@code Integer.MAX_VALUE - 2048}): started first, stopped
	 * last; above 0, so it stops before connection factories such as Lettuce's.
	 */
	public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 3072;

	private final ShutdownSequence shutdown;

	private ApplicationContext applicationContext;

	private volatile boolean running;

	private boolean closed;

	public InfrastructureLifecycle(ShutdownSequence shutdown) {
		this.shutdown = shutdown;
	}

	@Override
	public void setApplicationContext(ApplicationContext applicationContext) {
		this.applicationContext = applicationContext;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public synchronized void stop() {
		if (this.running) {
			this.running = false;
			if (isContextClosing()) {
				close();
			}
		}
	}

	@Override
	public void destroy() {
		close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return DEFAULT_PHASE;
	}

	private synchronized void close() {
		if (!this.closed) {
			this.closed = true;
			this.shutdown.run();
		}
	}

	/** Whether the stop is part of closing the context, rather than {@code stop()} or {@code pause()}. */
	private boolean isContextClosing() {
		return !(this.applicationContext instanceof ConfigurableApplicationContext context) || context.isClosed();
	}

}
