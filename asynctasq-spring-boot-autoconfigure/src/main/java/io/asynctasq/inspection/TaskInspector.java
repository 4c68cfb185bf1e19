package io.asynctasq.inspection;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.codec.UndecodableTaskException;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.StoredTask;
import io.asynctasq.driver.TaskResult;
import io.asynctasq.driver.WorkerHeartbeat;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Answers what operators ask of a running system, whatever the driver: the status of a task by id, the queues
 * and their dead letters, the live workers of the cluster; and the operations on dead letters. The actuator
 * endpoint reads and writes through it; applications may inject it too.
 * <p>
 * A task's status is put together from two sources: where its backend holds it now ({@link QueueDriver#find},
 * searched in the {@linkplain #queues() known queues}) and, when results are enabled, the record the worker
 * kept of its latest attempt ({@link QueueDriver#result}). A backend that can do neither (RabbitMQ without a
 * results store) answers {@link TaskStatus.State#UNKNOWN} with a detail that says so.
 */
public class TaskInspector {

	/** Dead letters moved back per page by {@link #retryAllDeadLetters}. */
	static final int RETRY_PAGE = 100;

	private final QueueDriver driver;

	private final @Nullable QueueDriver results;

	private final PayloadCodec codec;

	private final Supplier<List<String>> queues;

	/**
	 * @param driver the driver to read (called through its {@link DriverFacade})
	 * @param results the driver that keeps task results ({@link TaskResultStore#driver()}), or {@code null}
	 * when results are not enabled
	 * @param codec the codec that reads stored envelopes
	 * @param queues the queues this application knows: those its worker serves, those configured and those of
	 * its tasks
	 */
	public TaskInspector(QueueDriver driver, @Nullable QueueDriver results, PayloadCodec codec,
			Supplier<List<String>> queues) {
		this.driver = DriverFacade.of(driver);
		this.results = (results != null) ? DriverFacade.of(results) : null;
		this.codec = codec;
		this.queues = queues;
	}

	/** The driver's name. */
	public String driverName() {
		return this.driver.name();
	}

	/** The queues this application knows, in the order its worker serves them. */
	public List<String> queues() {
		return this.queues.get();
	}

	/** The counts of one queue, read from the backend now. */
	public QueueCounts counts(String queue) {
		return this.driver.counts(queue);
	}

	/**
	 * The live workers of the cluster (every instance sharing the backend), ordered by id; empty when the driver
	 * does not record heartbeats.
	 */
	public List<WorkerHeartbeat> workers() {
		try {
			return this.driver.workers();
		}
		catch (UnsupportedOperationException ex) {
			return List.of();
		}
	}

	/** A page of the dead letters of one queue, oldest first, with the task's name and arguments decoded. */
	public List<InspectedDeadLetter> deadLetters(String queue, int offset, int limit) {
		List<DeadLetter> page = this.driver.deadLetters(queue, offset, limit);
		List<InspectedDeadLetter> inspected = new ArrayList<>(page.size());
		for (DeadLetter deadLetter : page) {
			inspected.add(inspect(deadLetter));
		}
		return inspected;
	}

	/** Moves one dead letter back to its queue; {@code false} when there is no such dead letter. */
	public boolean retryDeadLetter(String queue, String taskId) {
		return this.driver.retryDeadLetter(queue, taskId);
	}

	/** Deletes one dead letter; {@code false} when there is no such dead letter. */
	public boolean deleteDeadLetter(String queue, String taskId) {
		return this.driver.deleteDeadLetter(queue, taskId);
	}

	/**
	 * Moves every dead letter of a queue back to it, a page at a time, and returns how many moved. Stops when a
	 * page moves none (another instance took them meanwhile), so it always ends.
	 */
	public long retryAllDeadLetters(String queue) {
		long moved = 0;
		while (true) {
			List<DeadLetter> page = this.driver.deadLetters(queue, 0, RETRY_PAGE);
			long movedNow = 0;
			for (DeadLetter deadLetter : page) {
				if (this.driver.retryDeadLetter(queue, deadLetter.id())) {
					movedNow++;
				}
			}
			moved += movedNow;
			if (page.size() < RETRY_PAGE || movedNow == 0) {
				return moved;
			}
		}
	}

	/** Deletes every dead letter of a queue; returns how many. */
	public long purgeDeadLetters(String queue) {
		return this.driver.purgeDeadLetters(queue);
	}

	/** What became of the task with this id. */
	public TaskStatus status(String taskId) {
		Objects.requireNonNull(taskId, "taskId");
		boolean storesResults = this.results != null;
		Optional<TaskResult> result = (this.results != null) ? this.results.result(taskId) : Optional.empty();
		Optional<StoredTask> stored = Optional.empty();
		if (this.driver.canFind()) {
			for (String queue : searchOrder(result.map(TaskResult::queue).orElse(null))) {
				stored = this.driver.find(queue, taskId);
				if (stored.isPresent()) {
					break;
				}
			}
		}
		if (stored.isPresent()) {
			return fromStore(taskId, stored.get(), result.orElse(null));
		}
		if (result.isPresent()) {
			return fromResult(result.get());
		}
		if (!this.driver.canFind() && !storesResults) {
			return TaskStatus.unknown(taskId, "The " + this.driver.name() + " driver cannot find a task by id and "
					+ "results are not enabled: enable them (asynctasq.results.enabled, asynctasq.results.store) to "
					+ "follow tasks");
		}
		if (!storesResults) {
			return TaskStatus.unknown(taskId, "No queue holds this task: it completed (results are not enabled, "
					+ "asynctasq.results.enabled), or it never existed");
		}
		return TaskStatus.unknown(taskId, "No queue holds this task and no result is kept for it: it never "
				+ "existed, its result expired, or it completed before results were enabled");
	}

	private List<String> searchOrder(@Nullable String recordedQueue) {
		List<String> known = this.queues.get();
		if (recordedQueue == null || known.contains(recordedQueue)) {
			if (recordedQueue == null) {
				return known;
			}
			List<String> order = new ArrayList<>(known.size());
			order.add(recordedQueue);
			known.stream().filter((queue) -> !queue.equals(recordedQueue)).forEach(order::add);
			return order;
		}
		List<String> order = new ArrayList<>(known.size() + 1);
		order.add(recordedQueue);
		order.addAll(known);
		return order;
	}

	private TaskStatus fromStore(String taskId, StoredTask stored, @Nullable TaskResult result) {
		String taskName = taskName(stored.message().body());
		String queue = stored.message().queue();
		if (stored.state() == StoredTask.State.DEAD_LETTERED) {
			DeadLetter deadLetter = stored.deadLetter();
			DeadLetter.Failure failure = deadLetter.failure();
			return new TaskStatus(taskId, TaskStatus.State.DEAD_LETTERED, taskName, queue, deadLetter.attempts(),
					stored.message().enqueuedAt(), (result != null) ? result.startedAt() : null,
					deadLetter.deadLetteredAt(), null, failure.errorClass(),
					(failure.errorMessage() != null) ? failure.errorMessage() : failure.reason(), null, null);
		}
		TaskStatus.State state = switch (stored.state()) {
			case IN_FLIGHT -> TaskStatus.State.RUNNING;
			case READY -> (stored.attempts() > 0) ? TaskStatus.State.RETRYING : TaskStatus.State.ENQUEUED;
			case DELAYED -> (stored.attempts() > 0) ? TaskStatus.State.RETRYING : TaskStatus.State.DELAYED;
			case DEAD_LETTERED -> throw new IllegalStateException("handled above");
		};
		boolean failedBefore = result != null && result.outcome() == TaskResult.Outcome.RETRYING;
		return new TaskStatus(taskId, state, taskName, queue, stored.attempts(), stored.message().enqueuedAt(),
				(result != null) ? result.startedAt() : null, (result != null) ? result.finishedAt() : null,
				(state == TaskStatus.State.RUNNING) ? null : stored.availableAt(),
				failedBefore ? result.errorClass() : null, failedBefore ? result.errorMessage() : null, null,
				(state == TaskStatus.State.RUNNING) ? "lease until " + stored.availableAt() : null);
	}

	private TaskStatus fromResult(TaskResult result) {
		TaskStatus.State state = switch (result.outcome()) {
			case SUCCEEDED -> TaskStatus.State.SUCCEEDED;
			case RETRYING -> TaskStatus.State.RETRYING;
			case DEAD_LETTERED -> TaskStatus.State.DEAD_LETTERED;
		};
		String why = null;
		if (state != TaskStatus.State.SUCCEEDED) {
			why = this.driver.canFind() ? "From the recorded result only: no queue holds the task any more"
					: "From the recorded result only: the " + this.driver.name()
							+ " driver cannot find a task by id";
		}
		return new TaskStatus(result.taskId(), state, result.taskName(), result.queue(), result.attempts(), null,
				result.startedAt(), result.finishedAt(), null, result.errorClass(), result.errorMessage(),
				result.valueJson(), why);
	}

	private InspectedDeadLetter inspect(DeadLetter deadLetter) {
		TaskEnvelope envelope = envelope(deadLetter.message().body());
		DeadLetter.Failure failure = deadLetter.failure();
		return new InspectedDeadLetter(deadLetter.id(), deadLetter.message().queue(),
				(envelope != null) ? envelope.taskName() : null,
				(envelope != null) ? envelope.args().toString() : null, deadLetter.attempts(), failure.reason(),
				failure.errorClass(), failure.errorMessage(), failure.stackTrace(), deadLetter.message().enqueuedAt(),
				deadLetter.deadLetteredAt());
	}

	private @Nullable String taskName(byte[] body) {
		TaskEnvelope envelope = envelope(body);
		return (envelope != null) ? envelope.taskName() : null;
	}

	private @Nullable TaskEnvelope envelope(byte[] body) {
		try {
			return this.codec.decode(body);
		}
		catch (UndecodableTaskException ex) {
			return null;
		}
	}

}
