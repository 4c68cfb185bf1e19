/**
 * The {@code asynctasq} health indicator: bounded, reflecting the backend and the worker.
 */
@NullMarked
package io.asynctasq.health;

import org.jspecify.annotations.NullMarked;
