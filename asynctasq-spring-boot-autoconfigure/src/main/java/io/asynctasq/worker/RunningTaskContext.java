package io.asynctasq.worker;

import java.time.Instant;
import java.util.function.BooleanSupplier;

import io.asynctasq.TaskContext;

/** The {@link TaskContext} of one running attempt. */
record RunningTaskContext(String taskId, String taskName, int attempt, int maxAttempts, String queue,
		Instant dispatchedAt, BooleanSupplier shuttingDown) implements TaskContext {

	@Override
	public boolean isShuttingDown() {
		return this.shuttingDown.getAsBoolean();
	}

}
