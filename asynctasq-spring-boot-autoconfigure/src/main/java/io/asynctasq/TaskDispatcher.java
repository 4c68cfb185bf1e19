package io.asynctasq;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * Dispatches tasks to their queue. Every {@code dispatch} returns the task id once the driver has
 * durably accepted the task; the {@code dispatchAsync} variants return at once and complete then.
 * <p>
 * A task registered in this application is validated at the call: a wrong argument count or type
 * fails with an {@link IllegalArgumentException} naming the task, the parameter and the expected
 * type. A task name not registered here is accepted (another service may run it).
 */
public interface TaskDispatcher {

	/** Dispatches the named task with these arguments, using its configured options. */
	String dispatch(String taskName, @Nullable Object... args);

	/**
	 * Dispatches the named task once per argument list, batched in the driver; returns the ids in order.
	 * @see TaskDispatch#dispatchAll(List)
	 */
	default List<String> dispatchAll(String taskName, List<@Nullable Object[]> argumentLists) {
		return task(taskName).dispatchAll(argumentLists);
	}

	/** Asynchronous form of {@link #dispatchAll(String, List)}. */
	default CompletableFuture<List<String>> dispatchAllAsync(String taskName, List<@Nullable Object[]> argumentLists) {
		return task(taskName).dispatchAllAsync(argumentLists);
	}

	/** Asynchronous form of {@link #dispatch(String, Object...)}. */
	CompletableFuture<String> dispatchAsync(String taskName, @Nullable Object... args);

	/** Starts a dispatch with per-dispatch options, which beat the annotation and the defaults. */
	TaskDispatch task(String taskName);

	/** Starts a dispatch of a {@link TaskHandler} bean's task. */
	TaskDispatch task(Class<? extends TaskHandler<?>> handlerType);

	/** Dispatches a {@link TaskHandler} bean's task with its payload. */
	default <P> String dispatch(Class<? extends TaskHandler<P>> handlerType, P payload) {
		return task(handlerType).dispatch(payload);
	}

	/** Starts a dispatch of the task behind a method reference, e.g. {@code task(EmailTasks::sendEmail)}. */
	TaskDispatch taskOf(Object methodReference);

	default <T> String dispatch(TaskMethod.Of0<T> method) {
		return taskOf(method).dispatch();
	}

	default <T, A> String dispatch(TaskMethod.Of1<T, A> method, A a) {
		return taskOf(method).dispatch(a);
	}

	default <T, A, B> String dispatch(TaskMethod.Of2<T, A, B> method, A a, B b) {
		return taskOf(method).dispatch(a, b);
	}

	default <T, A, B, C> String dispatch(TaskMethod.Of3<T, A, B, C> method, A a, B b, C c) {
		return taskOf(method).dispatch(a, b, c);
	}

	default <T, A, B, C, D> String dispatch(TaskMethod.Of4<T, A, B, C, D> method, A a, B b, C c, D d) {
		return taskOf(method).dispatch(a, b, c, d);
	}

	default <T, A, B, C, D, E> String dispatch(TaskMethod.Of5<T, A, B, C, D, E> method, A a, B b, C c, D d, E e) {
		return taskOf(method).dispatch(a, b, c, d, e);
	}

	default <T, A, B, C, D, E, F> String dispatch(TaskMethod.Of6<T, A, B, C, D, E, F> method, A a, B b, C c, D d,
			E e, F f) {
		return taskOf(method).dispatch(a, b, c, d, e, f);
	}

	default <T> CompletableFuture<String> dispatchAsync(TaskMethod.Of0<T> method) {
		return taskOf(method).dispatchAsync();
	}

	default <T, A> CompletableFuture<String> dispatchAsync(TaskMethod.Of1<T, A> method, A a) {
		return taskOf(method).dispatchAsync(a);
	}

	default <T, A, B> CompletableFuture<String> dispatchAsync(TaskMethod.Of2<T, A, B> method, A a, B b) {
		return taskOf(method).dispatchAsync(a, b);
	}

	default <T, A, B, C> CompletableFuture<String> dispatchAsync(TaskMethod.Of3<T, A, B, C> method, A a, B b, C c) {
		return taskOf(method).dispatchAsync(a, b, c);
	}

}
