/**
 * The driver SPI every storage backend implements, and the facade every call to a driver goes through.
 */
@NullMarked
package io.asynctasq.driver;

import org.jspecify.annotations.NullMarked;
