/**
 * The public API of AsyncTasQ: {@code @Task}, the {@code TaskDispatcher}, {@code TaskContext} and {@code TaskHandler}.
 */
@NullMarked
package io.asynctasq;

import org.jspecify.annotations.NullMarked;
