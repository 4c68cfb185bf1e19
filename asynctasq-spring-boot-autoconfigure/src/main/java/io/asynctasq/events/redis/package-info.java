/**
 * Publishing AsyncTasQ's events as JSON to a Redis Pub/Sub channel ({@code asynctasq.redis.events.*}).
 */
@NullMarked
package io.asynctasq.events.redis;

import org.jspecify.annotations.NullMarked;
