/**
 * What operators read of a running system, whatever the driver: the queues' counts kept in a background
 * snapshot. Health and metrics read through it.
 */
@NullMarked
package io.asynctasq.inspection;

import org.jspecify.annotations.NullMarked;
