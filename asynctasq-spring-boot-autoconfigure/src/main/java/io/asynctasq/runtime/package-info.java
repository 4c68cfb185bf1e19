/**
 * AsyncTasQ without Spring Boot: the builder, the runtime and its shutdown sequence.
 */
@NullMarked
package io.asynctasq.runtime;

import org.jspecify.annotations.NullMarked;
