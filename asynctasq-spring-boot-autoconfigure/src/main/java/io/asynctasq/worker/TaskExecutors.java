package io.asynctasq.worker;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Creates the executors that run task code. The library is compiled for Java 17, so virtual threads
 * are reached reflectively and used only when the running JVM has them.
 */
public final class TaskExecutors {

	private static final ThreadFactory virtualThreadFactory = lookUpVirtualThreadFactory();

	private TaskExecutors() {
	}

	/** Whether this JVM has virtual threads. */
	public static boolean virtualThreadsAvailable() {
		return virtualThreadFactory != null;
	}

	/** Whether {@code mode} resolves to virtual threads on this JVM. */
	public static boolean usesVirtualThreads(ExecutorMode mode) {
		return mode == ExecutorMode.VIRTUAL || (mode == ExecutorMode.AUTO && virtualThreadsAvailable());
	}

	/**
	 * An executor for task code: one virtual thread per task, or a pool of {@code poolSize} platform
	 * threads named {@code threadNamePrefix}.
	 * @throws IllegalStateException when virtual threads are required and the JVM lacks them
	 */
	public static ExecutorService create(ExecutorMode mode, int poolSize, String threadNamePrefix) {
		if (usesVirtualThreads(mode)) {
			if (!virtualThreadsAvailable()) {
				throw new IllegalStateException("asynctasq.worker.executor=virtual needs Java 21 or later; this JVM is "
						+ Runtime.version() + ". Use 'auto' or 'platform'.");
			}
			return virtualThreadPerTaskExecutor(threadNamePrefix);
		}
		CustomizableThreadFactory threads = new CustomizableThreadFactory(threadNamePrefix);
		ThreadPoolExecutor pool = new ThreadPoolExecutor(poolSize, poolSize, 60, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), threads);
		pool.allowCoreThreadTimeOut(true);
		return pool;
	}

	/**
	 * An executor that runs every task it is given at once: one virtual thread per task when {@code mode}
	 * resolves to virtual threads, else a cached pool of daemon platform threads (idle ones end after 60 s).
	 * For work whose concurrency its callers bound themselves.
	 */
	public static ExecutorService createElastic(ExecutorMode mode, String threadNamePrefix) {
		if (usesVirtualThreads(mode) && virtualThreadsAvailable()) {
			return virtualThreadPerTaskExecutor(threadNamePrefix);
		}
		CustomizableThreadFactory threads = new CustomizableThreadFactory(threadNamePrefix);
		threads.setDaemon(true);
		return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
	}

	private static ExecutorService virtualThreadPerTaskExecutor(String threadNamePrefix) {
		try {
			Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
			Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
			builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, threadNamePrefix, 0L);
			ThreadFactory factory = (ThreadFactory) Class.forName("java.lang.Thread$Builder")
				.getMethod("factory")
				.invoke(builder);
			Method perTask = Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
			return (ExecutorService) perTask.invoke(null, factory);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Cannot create virtual threads on " + Runtime.version(), ex);
		}
	}

	private static ThreadFactory lookUpVirtualThreadFactory() {
		try {
			Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
			return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
		}
		catch (ReflectiveOperationException | LinkageError ex) {
			return null;
		}
	}

}
