/**
 * The worker: reserves tasks, runs them under their leases and timeouts, settles their outcome.
 */
@NullMarked
package io.asynctasq.worker;

import org.jspecify.annotations.NullMarked;
