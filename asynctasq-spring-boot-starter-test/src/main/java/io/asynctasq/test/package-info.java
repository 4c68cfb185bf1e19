/**
 * Testing {@code @Task} code in a {@code @SpringBootTest}: {@link io.asynctasq.test.AutoConfigureAsyncTasqTest}
 * records every dispatch ({@link io.asynctasq.test.DispatchedTasks}) and runs tasks on the test's thread
 * ({@link io.asynctasq.test.ManualWorker}) on a settable clock ({@link io.asynctasq.test.TestClock}).
 */
@NullMarked
package io.asynctasq.test;

import org.jspecify.annotations.NullMarked;
