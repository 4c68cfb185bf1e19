package io.asynctasq.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/** Names and key values of a dispatch's observation; a bean of this type replaces the default. */
public interface TaskDispatchObservationConvention extends ObservationConvention<TaskDispatchContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof TaskDispatchContext;
	}

}
