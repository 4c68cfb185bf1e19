/**
 * Dispatching tasks: checked at the call, encoded, handed to the driver within a bound, transaction-aware.
 */
@NullMarked
package io.asynctasq.dispatch;

import org.jspecify.annotations.NullMarked;
