/**
 * The Redis driver on Spring Data Redis and Lettuce: one Lua script per state transition.
 */
@NullMarked
package io.asynctasq.driver.redis;

import org.jspecify.annotations.NullMarked;
