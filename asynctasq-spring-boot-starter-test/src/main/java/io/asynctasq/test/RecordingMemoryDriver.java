package io.asynctasq.test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.codec.UndecodableTaskException;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.task.TaskRegistry;

/**
 * The in-memory driver on a {@link TestClock}, adding each task it accepts to {@link DispatchedTasks}, decoded
 * as a worker decodes it.
 */
final class RecordingMemoryDriver extends MemoryDriver {

	private final PayloadCodec codec;

	private final TaskRegistry registry;

	private final DispatchedTasks dispatched;

	RecordingMemoryDriver(TestClock clock, PayloadCodec codec, TaskRegistry registry, DispatchedTasks dispatched) {
		super(clock);
		this.codec = codec;
		this.registry = registry;
		this.dispatched = dispatched;
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		super.enqueueAll(messages, delay);
		for (TaskMessage message : messages) {
			record(message, delay);
		}
	}

	private void record(TaskMessage message, Duration delay) {
		PayloadCodec.DecodedTask decoded;
		try {
			decoded = this.codec.decodeTask(message.body(), (name) -> this.registry.find(name).orElse(null));
		}
		catch (UndecodableTaskException ex) {
			return; // not a dispatch: a body written by hand
		}
		TaskEnvelope envelope = decoded.envelope();
		Object[] arguments = decoded.arguments();
		this.dispatched.add(new DispatchedTask(message.id(), envelope.taskName(), message.queue(),
				(arguments != null) ? Collections.unmodifiableList(Arrays.asList(arguments)) : List.of(),
				envelope.args().toString(), (delay != null) ? delay : Duration.ZERO, envelope.maxAttempts(),
				envelope.timeout(), envelope.retryDelay(), envelope.visibilityTimeout(), envelope.headers(),
				envelope.dispatchedAt()));
	}

}
