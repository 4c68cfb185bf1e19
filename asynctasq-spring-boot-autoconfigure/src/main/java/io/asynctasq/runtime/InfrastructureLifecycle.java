package io.asynctasq.runtime;

import org.springframework.context.SmartLifecycle;

/**
 * Closes AsyncTasQ's driver, pools and executors in the last phase of shutdown: after the worker
 * drained and after the web server's graceful shutdown, so a request still in flight can dispatch.
 */
public class InfrastructureLifecycle implements SmartLifecycle {

	/**
	 * Below the web server's start/stop phase ({@code Integer.MAX_VALUE - 2048}): started first, stopped
	 * last; above 0, so it stops before connection factories such as Lettuce's.
	 */
	public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 3072;

	private final ShutdownSequence shutdown;

	private volatile boolean running;

	public InfrastructureLifecycle(ShutdownSequence shutdown) {
		this.shutdown = shutdown;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public synchronized void stop() {
		if (this.running) {
			this.running = false;
			this.shutdown.run();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return DEFAULT_PHASE;
	}

}
