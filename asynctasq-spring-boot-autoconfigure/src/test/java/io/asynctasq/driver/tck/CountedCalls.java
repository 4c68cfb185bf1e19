package io.asynctasq.driver.tck;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.driver.QueueDriver;

/** Counts the calls a worker makes to a driver, by method name, passing each on unchanged. */
public final class CountedCalls {

	private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

	/** {@code driver}, its calls counted here. */
	public QueueDriver around(QueueDriver driver) {
		return (QueueDriver) Proxy.newProxyInstance(QueueDriver.class.getClassLoader(),
				new Class<?>[] { QueueDriver.class }, (proxy, method, args) -> {
					this.calls.computeIfAbsent(method.getName(), (name) -> new AtomicInteger()).incrementAndGet();
					try {
						return method.invoke(driver, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	/** How many times {@code method} was called. */
	public int of(String method) {
		AtomicInteger count = this.calls.get(method);
		return (count != null) ? count.get() : 0;
	}

}
