package io.asynctasq.samples.benchmark;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** What the benchmark's own JVM uses: heap after a collection, and CPU over a stretch of time. */
final class JvmUse {

	private JvmUse() {
	}

	/** Heap in use right after a requested full collection, in MiB. */
	static double heapMiBAfterGc() {
		System.gc();
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
	}

	/** The process's CPU time over {@code period} (spent waiting here), in percent of one core. */
	static double cpuPercentOver(Duration period) {
		com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
			.getOperatingSystemMXBean();
		long cpuStart = os.getProcessCpuTime();
		long wallStart = System.nanoTime();
		LockSupport.parkNanos(period.toNanos());
		return 100.0 * (os.getProcessCpuTime() - cpuStart) / (System.nanoTime() - wallStart);
	}

}
