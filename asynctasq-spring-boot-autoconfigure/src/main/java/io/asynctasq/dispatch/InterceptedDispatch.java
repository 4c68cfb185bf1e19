package io.asynctasq.dispatch;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/** A dispatch handed to the {@link DispatchInterceptor}s, in order; collects the headers they add. */
final class InterceptedDispatch implements DispatchInterceptor.Dispatch {

	private final String taskId;

	private final String taskName;

	private final String queue;

	private final @Nullable Object[] arguments;

	private final Map<String, String> headers;

	private InterceptedDispatch(String taskId, String taskName, String queue, @Nullable Object[] arguments,
			Map<String, String> headers) {
		this.taskId = taskId;
		this.taskName = taskName;
		this.queue = queue;
		this.arguments = arguments;
		this.headers = new LinkedHashMap<>(headers);
	}

	/** Runs {@code interceptors} in order and returns the headers of the envelope. */
	static Map<String, String> apply(List<DispatchInterceptor> interceptors, String taskId, String taskName,
			String queue, @Nullable Object[] arguments, Map<String, String> headers) {
		InterceptedDispatch dispatch = new InterceptedDispatch(taskId, taskName, queue, arguments, headers);
		for (DispatchInterceptor interceptor : interceptors) {
			interceptor.beforeDispatch(dispatch);
		}
		return dispatch.headers;
	}

	@Override
	public String taskId() {
		return this.taskId;
	}

	@Override
	public String taskName() {
		return this.taskName;
	}

	@Override
	public String queue() {
		return this.queue;
	}

	@Override
	public List<@Nullable Object> arguments() {
		return Collections.unmodifiableList(Arrays.asList(this.arguments));
	}

	@Override
	public Map<String, String> headers() {
		return Collections.unmodifiableMap(this.headers);
	}

	@Override
	public void header(String name, String value) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("A header name must not be empty");
		}
		this.headers.put(name, Objects.requireNonNull(value, "value"));
	}

}
