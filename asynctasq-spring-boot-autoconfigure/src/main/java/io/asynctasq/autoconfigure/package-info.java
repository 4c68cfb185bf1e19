/**
 * Spring Boot auto-configuration of AsyncTasQ: wiring only, nothing depends on it.
 */
@NullMarked
package io.asynctasq.autoconfigure;

import org.jspecify.annotations.NullMarked;
