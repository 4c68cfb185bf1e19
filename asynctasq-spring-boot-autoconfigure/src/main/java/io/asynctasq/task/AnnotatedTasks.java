package io.asynctasq.task;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskHandler;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.StringValueResolver;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads the tasks a bean declares: its {@link Task @Task} methods, or itself when it is a
 * {@link TaskHandler}. Used by the bean post-processor and by the standalone runtime alike.
 */
public final class AnnotatedTasks {

	private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private final StringValueResolver valueResolver;

	/**
	 * @param valueResolver resolves {@code ${...}} placeholders in annotation values; may be {@code null}
	 */
	public AnnotatedTasks(StringValueResolver valueResolver) {
		this.valueResolver = valueResolver;
	}

	/** The tasks {@code bean} declares; empty when it declares none. */
	public List<TaskDefinition> definitionsOf(Object bean) {
		return definitionsOf(bean, () -> bean);
	}

	/**
	 * The tasks {@code bean} declares, run on the object {@code invocationTarget} supplies when they run:
	 * {@code bean} itself, or what wraps it (a proxy created after it was read).
	 */
	public List<TaskDefinition> definitionsOf(Object bean, Supplier<Object> invocationTarget) {
		Class<?> userClass = AopUtils.getTargetClass(bean);
		List<TaskDefinition> definitions = new ArrayList<>();
		if (bean instanceof TaskHandler<?>) {
			definitions.add(handlerDefinition(invocationTarget, userClass));
		}
		Map<Method, Task> methods = taskMethodsOf(userClass);
		methods.forEach(
				(method, task) -> definitions.add(methodDefinition(invocationTarget, userClass, method, task)));
		return definitions;
	}

	/**
	 * The {@code @Task} methods of {@code userClass}, declared or inherited, with their merged annotation: those
	 * its instances register, and those the AOT processing registers hints for.
	 */
	static Map<Method, Task> taskMethodsOf(Class<?> userClass) {
		return MethodIntrospector.selectMethods(userClass, (MethodIntrospector.MetadataLookup<Task>) (
				method) -> AnnotatedElementUtils.findMergedAnnotation(method, Task.class));
	}

	/** The type a {@link TaskHandler} class takes as its payload, {@code T} of {@code TaskHandler<T>}. */
	static ResolvableType payloadTypeOf(Class<?> handlerClass) {
		return ResolvableType.forClass(TaskHandler.class, handlerClass).getGeneric(0);
	}

	/**
	 * Registers the tasks {@code bean} declares, run on {@code bean} itself; a class-based task also under its
	 * handler type.
	 * @throws TaskDeclarationException when a task is declared wrongly or cannot be invoked on {@code bean}
	 * @throws DuplicateTaskNameException when a task has the name of one registered before
	 */
	public void registerTasksOf(Object bean, TaskRegistry registry) {
		List<TaskDefinition> tasks = definitionsOf(bean);
		checkInvocable(tasks, bean);
		register(tasks, bean, registry);
	}

	/**
	 * Registers the tasks {@code bean} declares, run on the object {@code invocationTarget} supplies;
	 * a class-based task also under its handler type. Returns them; once that object is known,
	 * {@link #checkInvocable} tells whether they can run on it.
	 */
	public List<TaskDefinition> registerTasksOf(Object bean, Supplier<Object> invocationTarget,
			TaskRegistry registry) {
		List<TaskDefinition> tasks = definitionsOf(bean, invocationTarget);
		register(tasks, bean, registry);
		return tasks;
	}

	private static void register(List<TaskDefinition> tasks, Object bean, TaskRegistry registry) {
		for (TaskDefinition task : tasks) {
			if (task.method() == null) {
				registry.register(task, AopUtils.getTargetClass(bean));
			}
			else {
				registry.register(task);
			}
		}
	}

	/**
	 * Checks that every method of {@code tasks} can be invoked on {@code target}, the object they run on (a
	 * proxy cannot delegate a private method, a JDK proxy exposes only its interfaces' methods).
	 * @throws TaskDeclarationException naming the first that cannot, and the fix
	 */
	public static void checkInvocable(List<TaskDefinition> tasks, Object target) {
		for (TaskDefinition task : tasks) {
			if (task.method() != null) {
				invocableMethod(task.method(), target, task.source());
			}
		}
	}

	private static Method invocableMethod(Method method, Object target, String source) {
		try {
			return AopUtils.selectInvocableMethod(method, target.getClass());
		}
		catch (IllegalStateException ex) {
			String action = Modifier.isPrivate(method.getModifiers())
					? "Make " + source + " public, protected or package-private: the bean is proxied and a proxy "
							+ "cannot call a private method of its target."
					: "Declare " + source + " on an interface the bean implements, or have the bean proxied by "
							+ "class (proxyTargetClass = true, Spring Boot's default).";
			throw new TaskDeclarationException(source, "the method cannot be invoked on its bean, "
					+ target.getClass().getName() + ": " + ex.getMessage(), action, ex);
		}
	}

	private TaskDefinition methodDefinition(Supplier<Object> invocationTarget, Class<?> userClass, Method method,
			Task task) {
		String source = userClass.getSimpleName() + "." + method.getName() + "("
				+ Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
				+ ")";
		String name = StringUtils.hasText(task.name()) ? resolve(task.name())
				: userClass.getSimpleName() + "." + method.getName();
		List<TaskParameter> parameters = new ArrayList<>();
		Type[] types = method.getGenericParameterTypes();
		Class<?>[] rawTypes = method.getParameterTypes();
		String[] names = parameterNames.getParameterNames(method);
		int contextIndex = -1;
		for (int i = 0; i < types.length; i++) {
			if (rawTypes[i] == TaskContext.class) {
				if (contextIndex >= 0) {
					throw new TaskDeclarationException(source, "declares TaskContext twice",
							"Declare at most one TaskContext parameter on " + source + ".");
				}
				contextIndex = i;
				continue;
			}
			String parameterName = (names != null) ? names[i] : "arg" + i;
			parameters.add(new TaskParameter(parameters.size(), parameterName, types[i], rawTypes[i]));
		}
		Supplier<Invocation> target = SingletonSupplier.of(() -> {
			Object bean = invocationTarget.get();
			Method invocable = invocableMethod(method, bean, source);
			ReflectionUtils.makeAccessible(invocable);
			return new Invocation(bean, invocable);
		});
		int arity = types.length;
		int contextPosition = contextIndex;
		TaskInvoker invoker = (args, context) -> {
			Object[] full = new Object[arity];
			for (int i = 0, a = 0; i < arity; i++) {
				full[i] = (i == contextPosition) ? context : args[a++];
			}
			Invocation invocation = target.get();
			try {
				return invocation.method().invoke(invocation.bean(), full);
			}
			catch (InvocationTargetException ex) {
				throw ex.getTargetException();
			}
		};
		return new TaskDefinition(name, options(task, source), parameters, invoker, method, source,
				List.of(task.retryFor()), List.of(task.noRetryFor()), null, resolve(task.executor()).trim());
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private TaskDefinition handlerDefinition(Supplier<Object> invocationTarget, Class<?> userClass) {
		Task task = AnnotatedElementUtils.findMergedAnnotation(userClass, Task.class);
		String source = userClass.getName();
		String name = (task != null && StringUtils.hasText(task.name())) ? resolve(task.name())
				: userClass.getSimpleName();
		ResolvableType payloadType = payloadTypeOf(userClass);
		Class<?> rawPayload = payloadType.resolve(Object.class);
		TaskParameter payload = new TaskParameter(0, "payload", payloadType.getType(), rawPayload);
		TaskInvoker invoker = (args, context) -> {
			((TaskHandler) invocationTarget.get()).execute(args[0], context);
			return null;
		};
		TaskDefinition.Hooks hooks = new TaskDefinition.Hooks() {

			@Override
			public boolean shouldRetry(Throwable error, TaskContext context) {
				return ((TaskHandler) invocationTarget.get()).shouldRetry(error, context);
			}

			@Override
			public void failed(Object[] args, Throwable error, TaskContext context) {
				((TaskHandler) invocationTarget.get()).failed((args != null) ? args[0] : null, error, context);
			}

		};
		TaskOptions options = (task != null) ? options(task, source) : TaskOptions.NONE;
		List<Class<? extends Throwable>> retryFor = (task != null) ? List.of(task.retryFor()) : List.of();
		List<Class<? extends Throwable>> noRetryFor = (task != null) ? List.of(task.noRetryFor()) : List.of();
		String executor = (task != null) ? resolve(task.executor()).trim() : "";
		return new TaskDefinition(name, options, List.of(payload), invoker, null, source, retryFor, noRetryFor, hooks,
				executor);
	}

	private TaskOptions options(Task task, String source) {
		Integer maxAttempts = (task.maxAttempts() != -1) ? task.maxAttempts() : null;
		TaskOptions options = new TaskOptions(StringUtils.hasText(task.queue()) ? resolve(task.queue()) : null,
				maxAttempts, duration(task.timeout(), "timeout", source),
				duration(task.retryDelay(), "retryDelay", source),
				(task.backoff().length > 0) ? task.backoff()[0] : null, null, null,
				duration(task.visibilityTimeout(), "visibilityTimeout", source));
		try {
			return options.checked();
		}
		catch (IllegalArgumentException ex) {
			throw new TaskDeclarationException(source, ex.getMessage(), "Correct that attribute of @Task on " + source
					+ ", or remove it to use the default (asynctasq.task-defaults.*).");
		}
	}

	private Duration duration(String value, String attribute, String source) {
		if (!StringUtils.hasText(value)) {
			return null;
		}
		String resolved = resolve(value);
		try {
			return DurationStyle.detectAndParse(resolved.trim());
		}
		catch (IllegalArgumentException ex) {
			throw new TaskDeclarationException(source, attribute + " '" + resolved
					+ "' is not a duration; use e.g. \"30s\", \"500ms\", \"5m\" or \"PT30S\"",
					"Set " + attribute + " of @Task on " + source + " to a duration such as \"30s\", \"500ms\", "
							+ "\"5m\" or \"PT30S\" (or a ${...} placeholder that resolves to one).",
					ex);
		}
	}

	private String resolve(String value) {
		return (this.valueResolver != null) ? this.valueResolver.resolveStringValue(value) : value;
	}

	private record Invocation(Object bean, Method method) {
	}

}
