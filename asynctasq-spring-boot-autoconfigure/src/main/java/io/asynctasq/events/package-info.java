/**
 * The events of a task's and a worker's life, and the listener that receives them.
 */
@NullMarked
package io.asynctasq.events;

import org.jspecify.annotations.NullMarked;
