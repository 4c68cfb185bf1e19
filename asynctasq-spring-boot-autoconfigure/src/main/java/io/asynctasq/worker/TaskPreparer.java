package io.asynctasq.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.codec.UndecodableTaskException;
import io.asynctasq.driver.Reservation;
import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Prepares a reserved task for its attempt: decodes it, resolves its options and sets its lease, or decides
 * how it is settled unrun. A corrupt message or a body that is not a task is dead-lettered; a task this worker
 * does not know, or whose arguments do not fit, is postponed while its {@link UnknownTaskGrace} lasts. Shared by
 * a worker's task threads; keeps no state but each task's resolved options.
 */
final class TaskPreparer {

	private final PayloadCodec codec;

	private final TaskRegistry registry;

	private final TaskOptions defaults;

	private final Map<TaskDefinition, TaskOptions> optionsByTask = new ConcurrentHashMap<>();

	private final UnknownTaskGrace grace;

	private final BooleanSupplier shuttingDown;

	TaskPreparer(PayloadCodec codec, TaskRegistry registry, TaskOptions defaults, UnknownTaskGrace grace,
			BooleanSupplier shuttingDown) {
		this.codec = codec;
		this.registry = registry;
		this.defaults = defaults;
		this.grace = grace;
		this.shuttingDown = shuttingDown;
	}

	/** Decides what happens to {@code reservation}; when it is to run, gives {@code lease} the task's own length. */
	Preparation prepare(Reservation reservation, TaskLease lease) {
		if (reservation.isCorrupt()) {
			return new Preparation.Unrunnable("?", "corrupt message",
					new UndecodableTaskException(reservation.defect()));
		}
		PayloadCodec.DecodedTask decoded;
		try {
			decoded = this.codec.decodeTask(reservation.message().body(), this::registered);
		}
		catch (UndecodableTaskException ex) {
			return new Preparation.Unrunnable("?", "undecodable payload", ex);
		}
		TaskEnvelope envelope = decoded.envelope();
		TaskDefinition task = decoded.task();
		if (task == null) {
			return cannotRunHere(envelope, "unknown task",
					new UndecodableTaskException("no task named '" + envelope.taskName() + "' is registered here"));
		}
		Object[] args = decoded.arguments();
		if (args == null) {
			return cannotRunHere(envelope, "undecodable arguments", Objects.requireNonNull(decoded.argumentError()));
		}
		TaskOptions options = envelope.hasOptions() ? envelope.options().orElse(optionsOf(task)) : optionsOf(task);
		PreparedAttempt attempt = new PreparedAttempt(task, args, options,
				new RunningTaskContext(reservation.id(), task.name(), reservation.attempt(), options.maxAttempts(),
						reservation.queue(), envelope.dispatchedAt(), this.shuttingDown),
				envelope.headers());
		if (reservation.attempt() > options.maxAttempts()) {
			return new Preparation.Exhausted(attempt,
					new AttemptsExhaustedException(task.name(), reservation.attempt(), options.maxAttempts()));
		}
		lease.adjustTo(options.visibilityTimeout());
		return attempt;
	}

	private @Nullable TaskDefinition registered(String name) {
		return this.registry.find(name).orElse(null);
	}

	/** The task's options over the worker's defaults, worked out once per task. */
	private TaskOptions optionsOf(TaskDefinition task) {
		return this.optionsByTask.computeIfAbsent(task, (definition) -> definition.options().orElse(this.defaults));
	}

	/**
	 * A task this worker cannot run goes back to its queue, its attempt not counted, while its grace lasts
	 * (a newer worker on the same queue may know it); after that it is dead-lettered with why.
	 */
	private Preparation cannotRunHere(TaskEnvelope envelope, String reason, UndecodableTaskException error) {
		Duration delay = this.grace.postponement(envelope.dispatchedAt(), Instant.now());
		if (delay == null) {
			return new Preparation.Unrunnable(envelope.taskName(), reason, new UndecodableTaskException(
					error.getMessage() + " (no worker ran it within " + this.grace.grace() + " of its dispatch)", error));
		}
		return new Preparation.Postponed(envelope.taskName(), reason, error, delay);
	}

}
