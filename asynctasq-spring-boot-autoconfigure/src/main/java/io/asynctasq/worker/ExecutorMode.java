package io.asynctasq.worker;

/** Which threads run blocking task methods. */
public enum ExecutorMode {

	/** Virtual threads when the JVM has them (Java 21+), else a bounded platform pool. */
	AUTO,

	/** Virtual threads; startup fails on a JVM without them. */
	VIRTUAL,

	/** A platform thread pool bounded by the worker's concurrency. */
	PLATFORM

}
