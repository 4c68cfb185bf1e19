package io.asynctasq.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** AsyncTasQ's observations: their names, conventions and key names. */
public enum AsyncTasqObservationDocumentation implements ObservationDocumentation {

	/** A dispatch (a producer): from the call of the dispatcher until the driver accepted the task. */
	DISPATCH {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultTaskDispatchObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return LowCardinalityKeys.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeys.TASK_ID };
		}

	},

	/** One attempt of a task on a worker (a consumer), a child of its dispatch when the envelope carried it. */
	EXECUTION {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultTaskExecutionObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return LowCardinalityKeys.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return HighCardinalityKeys.values();
		}

	};

	/** Key names of few values: fit for metrics. */
	public enum LowCardinalityKeys implements KeyName {

		/** The task's name. */
		TASK {
			@Override
			public String asString() {
				return "task";
			}
		},

		/** The queue. */
		QUEUE {
			@Override
			public String asString() {
				return "queue";
			}
		},

		/** How it ended: see {@link TaskObservationOutcomes}. */
		OUTCOME {
			@Override
			public String asString() {
				return "outcome";
			}
		}

	}

	/** Key names of many values: on spans only. */
	public enum HighCardinalityKeys implements KeyName {

		/** The task's id. */
		TASK_ID {
			@Override
			public String asString() {
				return "task.id";
			}
		},

		/** The attempt, from 1 (executions only). */
		ATTEMPT {
			@Override
			public String asString() {
				return "attempt";
			}
		}

	}

}
