/**
 * The actuator endpoint {@code asynctasq}: queues, dead letters, workers and task status over HTTP, with its
 * write operations off unless enabled.
 */
@NullMarked
package io.asynctasq.endpoint;

import org.jspecify.annotations.NullMarked;
