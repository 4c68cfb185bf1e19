package io.asynctasq.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/** Names and key values of an attempt's observation; a bean of this type replaces the default. */
public interface TaskExecutionObservationConvention extends ObservationConvention<TaskExecutionContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof TaskExecutionContext;
	}

}
