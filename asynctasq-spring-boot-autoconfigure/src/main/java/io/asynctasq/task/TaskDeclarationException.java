package io.asynctasq.task;

/**
 * A task declaration that cannot become a task: a {@code @Task} attribute out of range, a method that
 * cannot be invoked on its bean. Says which declaration, what is wrong and how to fix it.
 */
public class TaskDeclarationException extends IllegalStateException {

	private final String source;

	private final String reason;

	private final String action;

	public TaskDeclarationException(String source, String reason, String action) {
		this(source, reason, action, null);
	}

	public TaskDeclarationException(String source, String reason, String action, Throwable cause) {
		super("@Task on " + source + ": " + reason, cause);
		this.source = source;
		this.reason = reason;
		this.action = action;
	}

	/** The declaration, e.g. {@code EmailTasks.send(String)}. */
	public String getSource() {
		return this.source;
	}

	/** What is wrong with it. */
	public String getReason() {
		return this.reason;
	}

	/** How to fix it. */
	public String getAction() {
		return this.action;
	}

}
