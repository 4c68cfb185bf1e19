package io.asynctasq.task;

/** Two declarations give their tasks the same name; a task name identifies one task in every process. */
public class DuplicateTaskNameException extends IllegalStateException {

	private final String taskName;

	private final String firstSource;

	private final String secondSource;

	public DuplicateTaskNameException(String taskName, String firstSource, String secondSource) {
		super("Duplicate task name '" + taskName + "': declared by " + firstSource + " and by " + secondSource
				+ ". Give one of them another name with @Task(name = \"...\").");
		this.taskName = taskName;
		this.firstSource = firstSource;
		this.secondSource = secondSource;
	}

	public String getTaskName() {
		return this.taskName;
	}

	/** The declaration registered first. */
	public String getFirstSource() {
		return this.firstSource;
	}

	/** The declaration refused. */
	public String getSecondSource() {
		return this.secondSource;
	}

}
