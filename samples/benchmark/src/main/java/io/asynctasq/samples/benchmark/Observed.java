package io.asynctasq.samples.benchmark;

import brave.Tracing;
import brave.context.slf4j.MDCScopeDecorator;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import brave.sampler.Sampler;
import io.asynctasq.observation.ObservationTaskObserver;
import io.asynctasq.observation.TaskObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.brave.bridge.W3CPropagation;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;

/**
 * What a Spring Boot application with Actuator and the Brave bridge gives AsyncTasQ, built by hand: a
 * {@link SimpleMeterRegistry} for AsyncTasQ's meters, and an {@link ObservationRegistry} whose handlers make
 * timers and Brave spans of the observations, with Boot's defaults (10 % of traces sampled, W3C propagation,
 * trace ids in the MDC); finished spans are dropped, as an exporter would take them away.
 */
final class Observed implements AutoCloseable {

	final MeterRegistry meters = new SimpleMeterRegistry();

	final TaskObserver observer;

	private final Tracing tracing;

	Observed() {
		this.tracing = Tracing.newBuilder()
			.sampler(Sampler.create(0.1f))
			.propagationFactory(new W3CPropagation())
			.currentTraceContext(
					ThreadLocalCurrentTraceContext.newBuilder().addScopeDecorator(MDCScopeDecorator.get()).build())
			.addSpanHandler(new SpanHandler() {
				@Override
				public boolean end(TraceContext context, MutableSpan span, Cause cause) {
					return true;
				}
			})
			.build();
		Tracer tracer = new BraveTracer(this.tracing.tracer(),
				new BraveCurrentTraceContext(this.tracing.currentTraceContext()), new BraveBaggageManager());
		Propagator propagator = new BravePropagator(this.tracing);
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig()
			.observationHandler(new DefaultMeterObservationHandler(this.meters))
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
					new DefaultTracingObservationHandler(tracer)));
		this.observer = ObservationTaskObserver.of(registry);
	}

	@Override
	public void close() {
		this.tracing.close();
	}

}
