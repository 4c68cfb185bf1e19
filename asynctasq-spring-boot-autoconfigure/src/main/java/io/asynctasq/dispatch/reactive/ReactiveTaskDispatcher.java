package io.asynctasq.dispatch.reactive;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.TaskHandler;
import io.asynctasq.TaskMethod;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Dispatches tasks from reactive code: every dispatch form of {@link TaskDispatcher} as a {@link Mono} of the
 * task id (a {@code Mono<List<String>>} for a batch).
 * <ul>
 * <li>Lazy: nothing is checked nor sent before the {@code Mono} is subscribed, and each subscription dispatches
 * once more (a {@code retry()} or {@code repeat()} dispatches another task, with another id).</li>
 * <li>Non-blocking: on subscription the dispatch is checked, intercepted and encoded on the subscribing thread
 * (no I/O), and the driver call runs on the dispatcher's executor, never on the subscribing thread, so
 * subscribing on an event loop (Reactor Netty, {@code Schedulers.parallel()}) is safe with every driver. The id is
 * emitted on the thread that ran the driver call; {@code publishOn} moves what follows elsewhere.</li>
 * <li>Bounded: the driver call is bounded by {@code asynctasq.dispatch.timeout}, and at most 256 run at once (more
 * fail at once with a {@code DriverException}). With the JDBC driver the call is a blocking JDBC statement: it
 * parks one of the executor's threads, a virtual thread on Java 21+, while the database answers.</li>
 * <li>Cancellable: cancelling before the driver call started means the task is not sent; once it started, the
 * task may still be enqueued (its {@code Enqueued} event says so), only its id reaches nobody.</li>
 * <li>Errors: every mistake the blocking {@code dispatch} throws (unknown handler or method reference, arguments,
 * options, payload size, an interceptor's refusal, a closed dispatcher) fails the {@code Mono} with the same
 * exception and message; a driver that does not accept the task in time fails it with a
 * {@code DriverException}.</li>
 * </ul>
 * {@link io.asynctasq.dispatch.DispatchInterceptor}s run on the subscribing thread, at subscription.
 */
public final class ReactiveTaskDispatcher {

	private final TaskDispatcher dispatcher;

	/** Dispatches through {@code dispatcher}'s asynchronous forms. */
	public ReactiveTaskDispatcher(TaskDispatcher dispatcher) {
		this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
	}

	/** Dispatches the named task with these arguments, using its configured options. */
	public Mono<String> dispatch(String taskName, @Nullable Object... args) {
		return task(taskName).dispatch(args);
	}

	/** Dispatches the named task once per argument list, batched in the driver; emits the ids in order. */
	public Mono<List<String>> dispatchAll(String taskName, List<@Nullable Object[]> argumentLists) {
		return task(taskName).dispatchAll(argumentLists);
	}

	/** Dispatches a {@link TaskHandler} bean's task with its payload. */
	public <P> Mono<String> dispatch(Class<? extends TaskHandler<P>> handlerType, P payload) {
		return task(handlerType).dispatch(payload);
	}

	/** Starts a dispatch with per-dispatch options, which beat the annotation and the defaults. */
	public ReactiveTaskDispatch task(String taskName) {
		return new ReactiveTaskDispatch(() -> this.dispatcher.task(taskName));
	}

	/** Starts a dispatch of a {@link TaskHandler} bean's task. */
	public ReactiveTaskDispatch task(Class<? extends TaskHandler<?>> handlerType) {
		return new ReactiveTaskDispatch(() -> this.dispatcher.task(handlerType));
	}

	/** Starts a dispatch of the task behind a method reference, e.g. {@code taskOf(EmailTasks::sendEmail)}. */
	public ReactiveTaskDispatch taskOf(Object methodReference) {
		return new ReactiveTaskDispatch(() -> this.dispatcher.taskOf(methodReference));
	}

	public <T> Mono<String> dispatch(TaskMethod.Of0<T> method) {
		return taskOf(method).dispatch();
	}

	public <T, A> Mono<String> dispatch(TaskMethod.Of1<T, A> method, A a) {
		return taskOf(method).dispatch(a);
	}

	public <T, A, B> Mono<String> dispatch(TaskMethod.Of2<T, A, B> method, A a, B b) {
		return taskOf(method).dispatch(a, b);
	}

	public <T, A, B, C> Mono<String> dispatch(TaskMethod.Of3<T, A, B, C> method, A a, B b, C c) {
		return taskOf(method).dispatch(a, b, c);
	}

	public <T, A, B, C, D> Mono<String> dispatch(TaskMethod.Of4<T, A, B, C, D> method, A a, B b, C c, D d) {
		return taskOf(method).dispatch(a, b, c, d);
	}

	public <T, A, B, C, D, E> Mono<String> dispatch(TaskMethod.Of5<T, A, B, C, D, E> method, A a, B b, C c, D d,
			E e) {
		return taskOf(method).dispatch(a, b, c, d, e);
	}

	public <T, A, B, C, D, E, F> Mono<String> dispatch(TaskMethod.Of6<T, A, B, C, D, E, F> method, A a, B b, C c,
			D d, E e, F f) {
		return taskOf(method).dispatch(a, b, c, d, e, f);
	}

	/** The blocking dispatcher this one dispatches through. */
	public TaskDispatcher blocking() {
		return this.dispatcher;
	}

	/** Subscribes to {@code dispatch}'s future lazily; cancelling the subscription cancels the future. */
	static <T> Mono<T> lazily(Supplier<CompletableFuture<T>> dispatch) {
		return Mono.defer(() -> Mono.fromFuture(dispatch.get(), false));
	}

}
