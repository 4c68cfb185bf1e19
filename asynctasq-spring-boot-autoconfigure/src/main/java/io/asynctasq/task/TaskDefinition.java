package io.asynctasq.task;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Objects;

import io.asynctasq.TaskContext;

/**
 * A registered task: its name, its options from the annotation, the parameters its arguments are
 * decoded into, how to run it, and the hooks of the class-based form.
 */
public final class TaskDefinition {

	private final String name;

	private final TaskOptions options;

	private final List<TaskParameter> parameters;

	private final TaskInvoker invoker;

	private final Method method;

	private final String source;

	private final List<Class<? extends Throwable>> retryFor;

	private final List<Class<? extends Throwable>> noRetryFor;

	private final Hooks hooks;

	private final String executor;

	public TaskDefinition(String name, TaskOptions options, List<TaskParameter> parameters, TaskInvoker invoker,
			Method method, String source, List<Class<? extends Throwable>> retryFor,
			List<Class<? extends Throwable>> noRetryFor, Hooks hooks) {
		this(name, options, parameters, invoker, method, source, retryFor, noRetryFor, hooks, "");
	}

	/**
	 * @param executor the name of the executor its attempts run on ({@link io.asynctasq.Task#executor()});
	 * empty for the worker's own
	 */
	public TaskDefinition(String name, TaskOptions options, List<TaskParameter> parameters, TaskInvoker invoker,
			Method method, String source, List<Class<? extends Throwable>> retryFor,
			List<Class<? extends Throwable>> noRetryFor, Hooks hooks, String executor) {
		this.name = Objects.requireNonNull(name, "name");
		this.options = Objects.requireNonNull(options, "options");
		this.parameters = List.copyOf(parameters);
		this.invoker = Objects.requireNonNull(invoker, "invoker");
		this.method = method;
		this.source = Objects.requireNonNull(source, "source");
		this.retryFor = List.copyOf(retryFor);
		this.noRetryFor = List.copyOf(noRetryFor);
		this.hooks = (hooks != null) ? hooks : Hooks.NONE;
		this.executor = Objects.requireNonNull(executor, "executor");
	}

	public String name() {
		return this.name;
	}

	/** Options from the annotation only; unset ones come from the defaults. */
	public TaskOptions options() {
		return this.options;
	}

	public List<TaskParameter> parameters() {
		return this.parameters;
	}

	public TaskInvoker invoker() {
		return this.invoker;
	}

	/** The annotated user method, for dispatch by method reference; {@code null} for a handler. */
	public Method method() {
		return this.method;
	}

	/** Where the task is declared, for messages: "EmailTasks.sendEmail(String, String)". */
	public String source() {
		return this.source;
	}

	public Hooks hooks() {
		return this.hooks;
	}

	/** The name of the executor its attempts run on; empty for the worker's own. */
	public String executor() {
		return this.executor;
	}

	/**
	 * Whether {@code error} may be retried: never when it matches {@code noRetryFor}; only when it
	 * matches {@code retryFor} if that is set; then as the class-based form's hook decides.
	 */
	public boolean isRetryable(Throwable error, TaskContext context) {
		if (this.noRetryFor.stream().anyMatch((type) -> type.isInstance(error))) {
			return false;
		}
		if (!this.retryFor.isEmpty() && this.retryFor.stream().noneMatch((type) -> type.isInstance(error))) {
			return false;
		}
		return this.hooks.shouldRetry(error, context);
	}

	@Override
	public String toString() {
		return "task '" + this.name + "' (" + this.source + ")";
	}

	/** The hooks of the class-based form ({@link io.asynctasq.TaskHandler}). */
	public interface Hooks {

		Hooks NONE = new Hooks() {
		};

		default boolean shouldRetry(Throwable error, TaskContext context) {
			return true;
		}

		default void failed(Object[] args, Throwable error, TaskContext context) {
		}

	}

}
