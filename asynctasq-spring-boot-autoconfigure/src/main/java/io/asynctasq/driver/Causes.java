package io.asynctasq.driver;

import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * Walks an exception's chain of causes, stopping at a cause that is its own cause: how drivers find what
 * their client library wrapped (an {@code SQLException} in a {@code DataAccessException}, a refused
 * connection in a client's own exception).
 */
public final class Causes {

	private Causes() {
	}

	/** The first throwable in {@code error}'s chain, itself included, that is a {@code type}. */
	public static <T extends Throwable> Optional<T> find(Throwable error, Class<T> type) {
		for (Throwable cause = error; cause != null; cause = next(cause)) {
			if (type.isInstance(cause)) {
				return Optional.of(type.cast(cause));
			}
		}
		return Optional.empty();
	}

	/** Whether any throwable in {@code error}'s chain, itself included, matches. */
	public static boolean anyMatch(Throwable error, Predicate<Throwable> test) {
		for (Throwable cause = error; cause != null; cause = next(cause)) {
			if (test.test(cause)) {
				return true;
			}
		}
		return false;
	}

	/** The last throwable of {@code error}'s chain. */
	public static Throwable root(Throwable error) {
		Throwable root = error;
		for (Throwable cause = next(error); cause != null; cause = next(cause)) {
			root = cause;
		}
		return root;
	}

	/**
	 * What a future failed with, inside the {@link CompletionException} or {@link ExecutionException} wrappers
	 * that its chain and its {@code get} add.
	 */
	public static Throwable unwrapCompletion(Throwable error) {
		Throwable cause = error;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

	private static @Nullable Throwable next(Throwable error) {
		Throwable cause = error.getCause();
		return (cause == error) ? null : cause;
	}

}
