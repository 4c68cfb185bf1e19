package io.asynctasq.worker;

import java.util.List;
import java.util.Map;

import io.asynctasq.TaskContext;
import org.jspecify.annotations.Nullable;

/** An attempt run through the {@link TaskExecutionInterceptor}s, the first one outermost. */
final class InterceptedExecution implements TaskExecutionInterceptor.Execution {

	private final List<TaskExecutionInterceptor> interceptors;

	private final PreparedAttempt prepared;

	/** The next interceptor to run; the task's method once past the last. */
	private int next;

	InterceptedExecution(List<TaskExecutionInterceptor> interceptors, PreparedAttempt prepared) {
		this.interceptors = interceptors;
		this.prepared = prepared;
	}

	@Override
	public TaskContext context() {
		return this.prepared.context();
	}

	@Override
	public Map<String, String> headers() {
		return this.prepared.headers();
	}

	@Override
	public @Nullable Object proceed() throws Throwable {
		int index = this.next;
		if (index >= this.interceptors.size()) {
			return this.prepared.task().invoker().invoke(this.prepared.args(), this.prepared.context());
		}
		this.next = index + 1;
		try {
			return this.interceptors.get(index).intercept(this);
		}
		finally {
			this.next = index;
		}
	}

}
