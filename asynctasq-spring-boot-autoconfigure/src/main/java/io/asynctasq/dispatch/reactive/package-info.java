/**
 * Dispatching from reactive code: {@link io.asynctasq.dispatch.reactive.ReactiveTaskDispatcher} gives a lazy,
 * cancellable {@code Mono} for every dispatch form. Needs Reactor ({@code io.projectreactor:reactor-core}), an
 * optional dependency.
 */
@NullMarked
package io.asynctasq.dispatch.reactive;

import org.jspecify.annotations.NullMarked;
