package io.asynctasq.dispatch.reactive;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.asynctasq.TaskDispatch;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A reactive dispatch with per-dispatch options, which beat the task's annotation and the configured defaults.
 * Obtained from {@link ReactiveTaskDispatcher#task(String)}. Immutable: each option returns a new one, so one can
 * be kept and dispatched from many times and threads. The options are checked, like the arguments, when the
 * {@code Mono} is subscribed: a mistake fails it with the message the blocking {@link TaskDispatch} throws.
 */
public final class ReactiveTaskDispatch {

	private final Supplier<TaskDispatch> start;

	private final UnaryOperator<TaskDispatch> options;

	ReactiveTaskDispatch(Supplier<TaskDispatch> start) {
		this(start, UnaryOperator.identity());
	}

	private ReactiveTaskDispatch(Supplier<TaskDispatch> start, UnaryOperator<TaskDispatch> options) {
		this.start = start;
		this.options = options;
	}

	/** The queue to put the task on. */
	public ReactiveTaskDispatch onQueue(String queue) {
		return with((dispatch) -> dispatch.onQueue(queue));
	}

	/** Makes the task visible to workers only after this delay (kept by the driver, not in memory). */
	public ReactiveTaskDispatch delay(Duration delay) {
		return with((dispatch) -> dispatch.delay(delay));
	}

	/** Total attempts, the first included. */
	public ReactiveTaskDispatch maxAttempts(int maxAttempts) {
		return with((dispatch) -> dispatch.maxAttempts(maxAttempts));
	}

	/** Maximum duration of one attempt. */
	public ReactiveTaskDispatch timeout(Duration timeout) {
		return with((dispatch) -> dispatch.timeout(timeout));
	}

	/** Base delay between attempts. */
	public ReactiveTaskDispatch retryDelay(Duration retryDelay) {
		return with((dispatch) -> dispatch.retryDelay(retryDelay));
	}

	/** Lease of a reserved attempt. */
	public ReactiveTaskDispatch visibilityTimeout(Duration visibilityTimeout) {
		return with((dispatch) -> dispatch.visibilityTimeout(visibilityTimeout));
	}

	/** Enqueues the task on subscription; emits its id once the driver accepted it. */
	public Mono<String> dispatch(@Nullable Object... args) {
		return ReactiveTaskDispatcher.lazily(() -> prepared().dispatchAsync(args));
	}

	/**
	 * Enqueues one task per argument list on subscription, all with these options, in as few driver round trips as
	 * the driver allows; emits their ids in order once the driver accepted them all. Every argument list is
	 * checked before anything is sent.
	 */
	public Mono<List<String>> dispatchAll(List<@Nullable Object[]> argumentLists) {
		return ReactiveTaskDispatcher.lazily(() -> prepared().dispatchAllAsync(argumentLists));
	}

	private TaskDispatch prepared() {
		return this.options.apply(this.start.get());
	}

	private ReactiveTaskDispatch with(UnaryOperator<TaskDispatch> option) {
		UnaryOperator<TaskDispatch> previous = this.options;
		return new ReactiveTaskDispatch(this.start, (dispatch) -> option.apply(previous.apply(dispatch)));
	}

}
