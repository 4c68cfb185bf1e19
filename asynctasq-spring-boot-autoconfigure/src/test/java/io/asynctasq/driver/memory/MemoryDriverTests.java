package io.asynctasq.driver.memory;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.tck.QueueDriverContractTests;

/** The in-memory driver against the driver TCK. */
class MemoryDriverTests extends QueueDriverContractTests {

	@Override
	protected QueueDriver createDriver(String namespace) {
		return new MemoryDriver();
	}

}
