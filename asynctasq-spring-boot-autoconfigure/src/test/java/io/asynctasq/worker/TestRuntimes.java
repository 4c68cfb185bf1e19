package io.asynctasq.worker;

import java.lang.reflect.Method;
import java.time.Duration;

import io.asynctasq.Backoff;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.task.TaskOptions;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Standalone runtimes tuned for fast tests: 20 ms fixed retries without jitter, short polls. */
public final class TestRuntimes {

	static final Duration RETRY_DELAY = Duration.ofMillis(20);

	static final TaskOptions FAST_DEFAULTS = new TaskOptions(null, 3, null, RETRY_DELAY, Backoff.FIXED,
			Duration.ofMillis(50), 0.0, null);

	private TestRuntimes() {
	}

	static AsyncTasq.Builder builder(EventLog events) {
		return AsyncTasq.builder()
			.taskDefaults(FAST_DEFAULTS)
			.pollInterval(Duration.ofMillis(50))
			.shutdownTimeout(Duration.ofMillis(500))
			.listener(events);
	}

	/** Awaitility polling every 10 ms from the start, for up to 10 s. */
	static ConditionFactory await() {
		return Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(10));
	}

	/** Whether {@code thread} is virtual; {@code false} on a JVM without virtual threads. */
	public static boolean isVirtual(Thread thread) {
		try {
			Method isVirtual = Thread.class.getMethod("isVirtual");
			return (boolean) isVirtual.invoke(thread);
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
