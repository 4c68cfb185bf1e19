/**
 * Observations of dispatches and task executions with the Micrometer Observation API, so that a tracing
 * bridge (Brave or OpenTelemetry) traces a task from the request that dispatched it to its run on a worker.
 * {@link io.asynctasq.observation.TaskObserver} is the hook of the dispatcher and the worker and needs no
 * Micrometer; {@link io.asynctasq.observation.ObservationTaskObserver} implements it with an
 * {@code ObservationRegistry}.
 */
@NullMarked
package io.asynctasq.observation;

import org.jspecify.annotations.NullMarked;
