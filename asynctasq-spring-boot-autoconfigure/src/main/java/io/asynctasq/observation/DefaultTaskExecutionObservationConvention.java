package io.asynctasq.observation;

import io.asynctasq.observation.AsyncTasqObservationDocumentation.HighCardinalityKeys;
import io.asynctasq.observation.AsyncTasqObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValues;

/**
 * The default convention of an attempt: observation {@code asynctasq.execution}, span name
 * {@code "<task> process"}, low-cardinality {@code task}, {@code queue} and {@code outcome}, high-cardinality
 * {@code task.id} and {@code attempt}.
 */
public class DefaultTaskExecutionObservationConvention implements TaskExecutionObservationConvention {

	/** The shared instance. */
	public static final DefaultTaskExecutionObservationConvention INSTANCE = new DefaultTaskExecutionObservationConvention();

	@Override
	public String getName() {
		return "asynctasq.execution";
	}

	@Override
	public String getContextualName(TaskExecutionContext context) {
		return context.getTaskName() + " process";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(TaskExecutionContext context) {
		String outcome = context.getOutcome();
		return KeyValues.of(LowCardinalityKeys.TASK.withValue(context.getTaskName()),
				LowCardinalityKeys.QUEUE.withValue(context.getQueue()),
				LowCardinalityKeys.OUTCOME.withValue((outcome != null) ? outcome : "unknown"));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(TaskExecutionContext context) {
		return KeyValues.of(HighCardinalityKeys.TASK_ID.withValue(context.getTaskId()),
				HighCardinalityKeys.ATTEMPT.withValue(Integer.toString(context.getAttempt())));
	}

}
