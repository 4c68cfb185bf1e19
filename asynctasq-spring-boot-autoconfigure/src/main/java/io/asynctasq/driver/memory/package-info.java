/**
 * The embedded in-memory driver: the semantics of a durable driver, not durable.
 */
@NullMarked
package io.asynctasq.driver.memory;

import org.jspecify.annotations.NullMarked;
