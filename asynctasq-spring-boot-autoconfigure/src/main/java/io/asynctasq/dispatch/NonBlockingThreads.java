package io.asynctasq.dispatch;

import org.springframework.util.ClassUtils;

/**
 * Recognises event-loop threads, where a blocking call would stall every request the loop serves:
 * Reactor marks them (its parallel scheduler, Reactor Netty's loops) with the {@code NonBlocking}
 * interface. Read by name so Reactor stays optional.
 */
final class NonBlockingThreads {

	private static final String REACTOR_NON_BLOCKING = "reactor.core.scheduler.NonBlocking";

	private static final ClassValue<Boolean> nonBlocking = new ClassValue<>() {

		@Override
		protected Boolean computeValue(Class<?> threadType) {
			return ClassUtils.getAllInterfacesForClassAsSet(threadType)
				.stream()
				.anyMatch((type) -> type.getName().equals(REACTOR_NON_BLOCKING));
		}

	};

	private NonBlockingThreads() {
	}

	static boolean isNonBlocking(Thread thread) {
		return nonBlocking.get(thread.getClass());
	}

}
