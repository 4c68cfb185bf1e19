package io.asynctasq.dispatch;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Sees each dispatch on the caller's thread, after it was validated and before its envelope is encoded and
 * sent: it may add headers that travel with the task to the worker (a tenant id, an audit reference), and may
 * refuse the dispatch by throwing, in which case the exception reaches the caller of {@code dispatch},
 * {@code dispatchAll} or {@code dispatchAsync} (thrown at the call, not through the future) and nothing is sent.
 * <p>
 * In Spring Boot every {@code DispatchInterceptor} bean is applied, in {@link org.springframework.core.annotation.Order
 * order}: the first in order runs first. A dispatch made in a transaction is intercepted at the call, not when
 * the transaction commits. Interceptors run once per task of a {@code dispatchAll}.
 */
@FunctionalInterface
public interface DispatchInterceptor {

	/**
	 * Called for one dispatch before it is encoded.
	 * @param dispatch the dispatch; valid only during the call
	 * @throws RuntimeException to refuse the dispatch: it fails at the call with this exception
	 */
	void beforeDispatch(Dispatch dispatch);

	/** One dispatch as an interceptor sees it. */
	interface Dispatch {

		/** The id the task is enqueued with. */
		String taskId();

		/** The task's name. */
		String taskName();

		/** The queue it goes to. */
		String queue();

		/** Its arguments, read-only (without a method reference's {@code TaskContext}). */
		List<@Nullable Object> arguments();

		/** The headers of its envelope so far (a trace context, those earlier interceptors added), read-only. */
		Map<String, String> headers();

		/**
		 * Adds a header to the task's envelope, replacing one of the same name; the worker's
		 * {@link io.asynctasq.worker.TaskExecutionInterceptor}s see it.
		 */
		void header(String name, String value);

	}

}
