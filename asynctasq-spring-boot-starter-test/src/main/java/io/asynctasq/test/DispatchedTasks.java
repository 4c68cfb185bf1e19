package io.asynctasq.test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Every task dispatched since the last {@link #clear()}, in the order the driver accepted them (a dispatch in
 * a transaction once it committed, a {@code dispatchAsync} once its future completed). Cleared after each test.
 */
public final class DispatchedTasks {

	private final List<DispatchedTask> dispatched = new CopyOnWriteArrayList<>();

	void add(DispatchedTask task) {
		this.dispatched.add(task);
	}

	/** Every dispatched task, oldest first. */
	public List<DispatchedTask> all() {
		return List.copyOf(this.dispatched);
	}

	/** The dispatched tasks named {@code taskName}, oldest first. */
	public List<DispatchedTask> ofTask(String taskName) {
		return this.dispatched.stream().filter((task) -> task.taskName().equals(taskName)).toList();
	}

	/** The dispatched task with this id. */
	public Optional<DispatchedTask> find(String taskId) {
		return this.dispatched.stream().filter((task) -> task.id().equals(taskId)).findFirst();
	}

	/**
	 * The one task dispatched.
	 * @throws AssertionError when none or several were, listing them
	 */
	public DispatchedTask only() {
		return only(all(), "task");
	}

	/**
	 * The one task named {@code taskName} dispatched.
	 * @throws AssertionError when none or several were, listing what was dispatched
	 */
	public DispatchedTask only(String taskName) {
		return only(ofTask(taskName), "task '" + taskName + "'");
	}

	/** Whether nothing was dispatched. */
	public boolean isEmpty() {
		return this.dispatched.isEmpty();
	}

	/** Forgets what was dispatched. */
	public void clear() {
		this.dispatched.clear();
	}

	private DispatchedTask only(List<DispatchedTask> matching, String what) {
		if (matching.size() != 1) {
			throw new AssertionError("Expected one " + what + " to be dispatched, but " + matching.size() + " were; "
					+ "dispatched: " + describe());
		}
		return matching.get(0);
	}

	private String describe() {
		return this.dispatched.isEmpty() ? "nothing"
				: this.dispatched.stream()
					.map((task) -> task.taskName() + task.argumentsJson())
					.collect(Collectors.joining(", "));
	}

	@Override
	public String toString() {
		return "DispatchedTasks" + this.dispatched;
	}

}
