package io.asynctasq.test;

import io.asynctasq.driver.QueueDriver;

import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Resets what {@link AutoConfigureAsyncTasqTest} keeps after each test method, so the next test of a cached
 * context starts with empty queues, nothing recorded and the clock at its start.
 */
public final class AsyncTasqTestExecutionListener extends AbstractTestExecutionListener {

	@Override
	public int getOrder() {
		return 5000;
	}

	@Override
	public void afterTestMethod(TestContext testContext) {
		if (!testContext.hasApplicationContext()) {
			return;
		}
		ApplicationContext context = testContext.getApplicationContext();
		if (context.getBeanProvider(ManualWorker.class).getIfAvailable() == null) {
			return; // not an @AutoConfigureAsyncTasqTest context
		}
		if (context.getBeanProvider(QueueDriver.class).getIfUnique() instanceof RecordingMemoryDriver driver) {
			driver.clear();
		}
		context.getBeanProvider(DispatchedTasks.class).ifAvailable(DispatchedTasks::clear);
		context.getBeanProvider(ManualWorker.class).ifAvailable(ManualWorker::clear);
		context.getBeanProvider(TestClock.class).ifAvailable(TestClock::reset);
	}

}
