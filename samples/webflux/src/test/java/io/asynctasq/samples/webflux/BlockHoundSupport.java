package io.asynctasq.samples.webflux;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * Installs BlockHound once per JVM, with its integrations (Reactor's, Reactor Netty's, Netty's: their threads are
 * the non-blocking ones), recording every blocking call it catches before it throws the usual
 * {@link BlockingOperationError}, so a test sees a block even where the error is swallowed.
 */
final class BlockHoundSupport {

	private static final List<String> detected = new CopyOnWriteArrayList<>();

	static {
		BlockHound.install((builder) -> builder.blockingMethodCallback((method) -> {
			detected.add(method + " on " + Thread.currentThread().getName());
			throw new BlockingOperationError(method);
		}));
	}

	private BlockHoundSupport() {
	}

	/** Installs BlockHound, if not yet installed. */
	static void install() {
		// the static initializer did it
	}

	/** The blocking calls caught so far, each with its thread. */
	static List<String> detected() {
		return List.copyOf(detected);
	}

	static void clear() {
		detected.clear();
	}

}
