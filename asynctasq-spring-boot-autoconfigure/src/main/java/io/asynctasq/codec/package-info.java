/**
 * The wire format of a task, shared by the dispatcher that writes it and the worker that reads it: the JSON
 * envelope, and arguments decoded only into declared parameter types.
 */
@NullMarked
package io.asynctasq.codec;

import org.jspecify.annotations.NullMarked;
