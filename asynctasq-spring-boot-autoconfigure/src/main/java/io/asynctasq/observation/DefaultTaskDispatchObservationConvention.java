package io.asynctasq.observation;

import io.asynctasq.observation.AsyncTasqObservationDocumentation.HighCardinalityKeys;
import io.asynctasq.observation.AsyncTasqObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValues;

/**
 * The default convention of a dispatch: observation {@code asynctasq.dispatch}, span name
 * {@code "<task> send"}, low-cardinality {@code task}, {@code queue} and {@code outcome}, high-cardinality
 * {@code task.id}.
 */
public class DefaultTaskDispatchObservationConvention implements TaskDispatchObservationConvention {

	/** The shared instance. */
	public static final DefaultTaskDispatchObservationConvention INSTANCE = new DefaultTaskDispatchObservationConvention();

	@Override
	public String getName() {
		return "asynctasq.dispatch";
	}

	@Override
	public String getContextualName(TaskDispatchContext context) {
		return context.getTaskName() + " send";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(TaskDispatchContext context) {
		String outcome = context.getOutcome();
		return KeyValues.of(LowCardinalityKeys.TASK.withValue(context.getTaskName()),
				LowCardinalityKeys.QUEUE.withValue(context.getQueue()),
				LowCardinalityKeys.OUTCOME.withValue((outcome != null) ? outcome : "unknown"));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(TaskDispatchContext context) {
		return KeyValues.of(HighCardinalityKeys.TASK_ID.withValue(context.getTaskId()));
	}

}
