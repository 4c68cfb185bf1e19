package io.asynctasq.driver.memory;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;

/** The in-memory driver against the driver TCK. */
class MemoryDriverTests extends QueueDriverContractTests {

	@Override
	protected QueueDriver createDriver(String namespace) {
		return new MemoryDriver();
	}

	/** Each instance has its own memory. */
	@Override
	protected boolean sharesBackendBetweenInstances() {
		return false;
	}

}
