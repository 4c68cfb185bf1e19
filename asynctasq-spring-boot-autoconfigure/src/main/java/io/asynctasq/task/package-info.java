/**
 * Task definitions: how {@code @Task} methods and handlers are registered, their options and retry policy.
 */
@NullMarked
package io.asynctasq.task;

import org.jspecify.annotations.NullMarked;
