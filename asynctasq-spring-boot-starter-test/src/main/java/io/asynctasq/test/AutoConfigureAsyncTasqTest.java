package io.asynctasq.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * On a {@code @SpringBootTest}, runs AsyncTasQ for the test: the in-memory driver on a {@link TestClock}
 * whatever {@code asynctasq.driver} says, every dispatch recorded in {@link DispatchedTasks}, and the worker
 * not started, its tasks run by {@link ManualWorker} on the test's thread. After each test the driver, the
 * records and the clock are reset. A {@code QueueDriver} bean the test defines itself is kept: its dispatches
 * are then not recorded, and its due times do not follow the test clock.
 *
 * @see AsyncTasqTestAutoConfiguration
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureAsyncTasqTest {

}
