package io.asynctasq.test;

import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqJdbcAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRabbitAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqWorkerCustomizer;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.Worker;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of {@link AutoConfigureAsyncTasqTest}: before the drivers' own, so its in-memory driver
 * is the application's; the worker is kept from starting. Backs off where the test defines its own bean.
 */
@AutoConfiguration(before = { AsyncTasqAutoConfiguration.class, AsyncTasqRedisAutoConfiguration.class,
		AsyncTasqRabbitAutoConfiguration.class, AsyncTasqJdbcAutoConfiguration.class })
public final class AsyncTasqTestAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TestClock asyncTasqTestClock() {
		return new TestClock();
	}

	@Bean
	@ConditionalOnMissingBean
	DispatchedTasks asyncTasqDispatchedTasks() {
		return new DispatchedTasks();
	}

	@Bean
	@ConditionalOnMissingBean(QueueDriver.class)
	MemoryDriver asyncTasqTestQueueDriver(TestClock clock, ObjectProvider<PayloadCodec> codec,
			ObjectProvider<TaskRegistry> registry, DispatchedTasks dispatched) {
		return new RecordingMemoryDriver(clock, codec.getObject(), registry.getObject(), dispatched);
	}

	/** The worker does not start with the context: {@link ManualWorker} runs its tasks. */
	@Bean
	AsyncTasqWorkerCustomizer asyncTasqTestWorkerCustomizer() {
		return (worker) -> worker.setAutoStartup(false);
	}

	@Bean
	TaskRunRecorder asyncTasqTaskRunRecorder() {
		return new TaskRunRecorder();
	}

	@Bean
	@ConditionalOnMissingBean
	ManualWorker asyncTasqManualWorker(ObjectProvider<Worker> worker, TaskRunRecorder runs) {
		return new ManualWorker(() -> worker.getIfAvailable(() -> {
			throw new IllegalStateException("This application has no AsyncTasQ worker (asynctasq.worker.enabled="
					+ "false), so ManualWorker has none to run tasks with; dispatches are still recorded in "
					+ "DispatchedTasks");
		}), runs);
	}

}
