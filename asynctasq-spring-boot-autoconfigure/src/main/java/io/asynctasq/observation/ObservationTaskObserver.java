package io.asynctasq.observation;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * A {@link TaskObserver} that observes dispatches ({@code asynctasq.dispatch}) and executions
 * ({@code asynctasq.execution}) with an {@link ObservationRegistry}. While the registry is a no-op (no
 * handler) it observes nothing and allocates nothing. A dispatch's driver call runs on the dispatcher's
 * executor with the caller's context restored (a {@link ContextSnapshot} when context-propagation is on the
 * classpath, else the dispatch's observation alone).
 */
public class ObservationTaskObserver implements TaskObserver {

	private static final boolean contextPropagationPresent = ClassUtils
		.isPresent("io.micrometer.context.ContextSnapshotFactory", ObservationTaskObserver.class.getClassLoader());

	private final ObservationRegistry registry;

	private final @Nullable TaskDispatchObservationConvention dispatchConvention;

	private final @Nullable TaskExecutionObservationConvention executionConvention;

	private final @Nullable Object snapshots;

	/** An observer with the default conventions. */
	public ObservationTaskObserver(ObservationRegistry registry) {
		this(registry, null, null);
	}

	/**
	 * @param registry where observations go
	 * @param dispatchConvention replaces the default convention of dispatches, when not {@code null}
	 * @param executionConvention replaces the default convention of executions, when not {@code null}
	 */
	public ObservationTaskObserver(ObservationRegistry registry,
			@Nullable TaskDispatchObservationConvention dispatchConvention,
			@Nullable TaskExecutionObservationConvention executionConvention) {
		if (registry == null) {
			throw new IllegalArgumentException("The ObservationRegistry must not be null");
		}
		this.registry = registry;
		this.dispatchConvention = dispatchConvention;
		this.executionConvention = executionConvention;
		this.snapshots = contextPropagationPresent ? Snapshots.factory() : null;
	}

	/**
	 * An observer for {@code registry}, or {@link TaskObserver#NONE} when there is none or it is
	 * {@link ObservationRegistry#NOOP}.
	 */
	public static TaskObserver of(@Nullable ObservationRegistry registry) {
		return (registry == null || registry == ObservationRegistry.NOOP) ? TaskObserver.NONE
				: new ObservationTaskObserver(registry);
	}

	@Override
	public DispatchObservation dispatchStarted(String taskId, String taskName, String queue) {
		if (this.registry.isNoop()) {
			return DispatchObservation.NONE;
		}
		TaskDispatchContext context = new TaskDispatchContext(taskId, taskName, queue);
		Observation observation = AsyncTasqObservationDocumentation.DISPATCH
			.observation(this.dispatchConvention, DefaultTaskDispatchObservationConvention.INSTANCE, () -> context,
					this.registry)
			.start();
		return new Dispatch(observation, context);
	}

	@Override
	public ExecutionObservation executionStarted(String taskId, String taskName, String queue, int attempt,
			Map<String, String> headers) {
		if (this.registry.isNoop()) {
			return ExecutionObservation.NONE;
		}
		TaskExecutionContext context = new TaskExecutionContext(taskId, taskName, queue, attempt, headers);
		Observation observation = AsyncTasqObservationDocumentation.EXECUTION
			.observation(this.executionConvention, DefaultTaskExecutionObservationConvention.INSTANCE, () -> context,
					this.registry)
			// a task's trace comes from its envelope, never from whatever ran before on this thread
			.parentObservation(null)
			.start();
		return new Execution(observation, context);
	}

	private final class Dispatch implements DispatchObservation {

		private final Observation observation;

		private final TaskDispatchContext context;

		private final AtomicBoolean stopped = new AtomicBoolean();

		Dispatch(Observation observation, TaskDispatchContext context) {
			this.observation = observation;
			this.context = context;
		}

		@Override
		public Map<String, String> headers() {
			Map<String, String> carrier = this.context.getCarrier();
			return (carrier != null) ? carrier : Map.of();
		}

		@Override
		public Runnable wrap(Runnable call) {
			Object snapshots = ObservationTaskObserver.this.snapshots;
			if (snapshots != null) {
				return Snapshots.wrap(snapshots, this.observation, call);
			}
			return () -> {
				try (Observation.Scope scope = this.observation.openScope()) {
					call.run();
				}
			};
		}

		@Override
		public void stop(String outcome, @Nullable Throwable error) {
			if (!this.stopped.compareAndSet(false, true)) {
				return;
			}
			this.context.setOutcome(outcome);
			if (error != null) {
				this.observation.error(error);
			}
			this.observation.stop();
		}

	}

	private static final class Execution implements ExecutionObservation {

		private final Observation observation;

		private final TaskExecutionContext context;

		private final AtomicBoolean stopped = new AtomicBoolean();

		Execution(Observation observation, TaskExecutionContext context) {
			this.observation = observation;
			this.context = context;
		}

		@Override
		public Scope openScope() {
			Observation.Scope scope = this.observation.openScope();
			return scope::close;
		}

		@Override
		public void stop(String outcome, @Nullable Throwable error) {
			if (!this.stopped.compareAndSet(false, true)) {
				return;
			}
			this.context.setOutcome(outcome);
			if (error != null) {
				this.observation.error(error);
			}
			this.observation.stop();
		}

	}

	/** Uses context-propagation; loaded only when it is on the classpath. */
	private static final class Snapshots {

		static Object factory() {
			return ContextSnapshotFactory.builder().build();
		}

		/** Captures the caller's context with the dispatch's observation current, and restores it around the call. */
		static Runnable wrap(Object factory, Observation observation, Runnable call) {
			ContextSnapshot snapshot;
			try (Observation.Scope scope = observation.openScope()) {
				snapshot = ((ContextSnapshotFactory) factory).captureAll();
			}
			return () -> {
				try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
					call.run();
				}
			};
		}

	}

}
