package io.asynctasq.task;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The tasks this application can run, by name and by declaring method. */
public class TaskRegistry {

	private final Map<String, TaskDefinition> byName = Collections.synchronizedMap(new LinkedHashMap<>());

	private final Map<Method, TaskDefinition> byMethod = new ConcurrentHashMap<>();

	private final Map<Class<?>, TaskDefinition> byHandlerType = new ConcurrentHashMap<>();

	/**
	 * Registers a task.
	 * @throws DuplicateTaskNameException when another task already has its name
	 */
	public void register(TaskDefinition task) {
		synchronized (this.byName) {
			TaskDefinition existing = this.byName.get(task.name());
			if (existing != null) {
				throw new DuplicateTaskNameException(task.name(), existing.source(), task.source());
			}
			this.byName.put(task.name(), task);
		}
		if (task.method() != null) {
			this.byMethod.put(task.method(), task);
		}
	}

	/** Registers a class-based task and remembers its handler type for dispatch by class. */
	public void register(TaskDefinition task, Class<?> handlerType) {
		register(task);
		this.byHandlerType.put(handlerType, task);
	}

	public Optional<TaskDefinition> find(String name) {
		return Optional.ofNullable(this.byName.get(name));
	}

	public Optional<TaskDefinition> findByMethod(Method method) {
		return Optional.ofNullable(this.byMethod.get(method));
	}

	public Optional<TaskDefinition> findByHandlerType(Class<?> handlerType) {
		TaskDefinition direct = this.byHandlerType.get(handlerType);
		if (direct != null) {
			return Optional.of(direct);
		}
		return this.byHandlerType.entrySet()
			.stream()
			.filter((entry) -> handlerType.isAssignableFrom(entry.getKey()))
			.map(Map.Entry::getValue)
			.findFirst();
	}

	public Collection<TaskDefinition> all() {
		synchronized (this.byName) {
			return java.util.List.copyOf(this.byName.values());
		}
	}

}
