/**
 * Micrometer meters of tasks, queues, the worker and driver calls, recorded from events and from the one
 * seam around the driver SPI, so every driver has them.
 */
@NullMarked
package io.asynctasq.metrics;

import org.jspecify.annotations.NullMarked;
