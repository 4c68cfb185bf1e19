package io.asynctasq.dispatch;

import java.util.List;
import java.util.Map;

import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskParameter;

import org.springframework.util.ClassUtils;

/** Checks a dispatch's arguments against a locally registered task, so a mistake fails at the call. */
final class ArgumentCheck {

	/** Widening conversions JSON preserves: a smaller number fits a larger declared type. */
	private static final Map<Class<?>, List<Class<?>>> WIDENING = Map.of(long.class,
			List.of(Integer.class, Short.class, Byte.class), double.class,
			List.of(Float.class, Integer.class, Long.class, Short.class, Byte.class), float.class,
			List.of(Integer.class, Short.class, Byte.class), int.class, List.of(Short.class, Byte.class));

	private static final Map<Class<?>, Class<?>> PRIMITIVES = Map.of(Long.class, long.class, Double.class,
			double.class, Float.class, float.class, Integer.class, int.class);

	private ArgumentCheck() {
	}

	/**
	 * @throws IllegalArgumentException naming the task, the parameter and what was expected
	 */
	static void check(TaskDefinition task, Object[] args) {
		List<TaskParameter> parameters = task.parameters();
		if (args.length != parameters.size()) {
			throw new IllegalArgumentException("Task '" + task.name() + "' (" + task.source() + ") takes "
					+ parameters.size() + " argument(s) " + describe(parameters) + " but " + args.length
					+ " were given");
		}
		for (TaskParameter parameter : parameters) {
			Object arg = args[parameter.position()];
			Class<?> expected = parameter.rawType();
			if (arg == null) {
				if (expected.isPrimitive()) {
					throw new IllegalArgumentException("Task '" + task.name() + "': " + parameter.describe()
							+ " is primitive and cannot be null");
				}
				continue;
			}
			if (!ClassUtils.isAssignableValue(expected, arg) && !widens(expected, arg)) {
				throw new IllegalArgumentException("Task '" + task.name() + "': " + parameter.describe()
						+ " expects " + expected.getName() + " but got " + arg.getClass().getName());
			}
		}
	}

	private static boolean widens(Class<?> expected, Object arg) {
		Class<?> primitive = expected.isPrimitive() ? expected : PRIMITIVES.get(expected);
		return primitive != null && WIDENING.getOrDefault(primitive, List.of()).contains(arg.getClass());
	}

	private static String describe(List<TaskParameter> parameters) {
		return parameters.stream().map((p) -> p.type().getTypeName() + " " + p.name()).toList().toString();
	}

}
