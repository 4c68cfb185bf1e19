package io.asynctasq.worker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import org.springframework.util.ClassUtils;

/**
 * Awaits a task method's {@code Mono}, {@code Flux} or any Reactive Streams {@link Publisher} as a future,
 * without a thread: it subscribes, requests everything, keeps the last value (a {@code Mono}'s value, a
 * {@code Flux}'s last element) and completes with it, or fails with the publisher's error. Completing the future
 * from outside first (the attempt's timeout, shutdown) cancels the subscription. Reactive Streams is optional:
 * without it no result is a publisher.
 */
final class PublisherResults {

	private static final boolean present = ClassUtils.isPresent("org.reactivestreams.Publisher",
			PublisherResults.class.getClassLoader());

	private PublisherResults() {
	}

	/** Whether {@code result} is a Reactive Streams publisher. */
	static boolean isPublisher(@Nullable Object result) {
		return present && result != null && Check.isPublisher(result);
	}

	/** Subscribes to {@code publisher} (a {@link #isPublisher publisher}) on the calling thread. */
	static CompletableFuture<@Nullable Object> subscribe(Object publisher) {
		return Check.subscribe(publisher);
	}

	/**
	 * Touches the Reactive Streams types only once they are known to be on the class path: loading
	 * {@code PublisherResults} itself must not need them, or every task fails without Reactor.
	 */
	private static final class Check {

		static boolean isPublisher(Object result) {
			return result instanceof Publisher;
		}

		static CompletableFuture<@Nullable Object> subscribe(Object publisher) {
			LastValue subscriber = new LastValue();
			((Publisher<?>) publisher).subscribe(subscriber);
			return subscriber.result;
		}

	}

	private static final class LastValue implements Subscriber<Object> {

		final CompletableFuture<@Nullable Object> result = new CompletableFuture<>();

		/** Whether the publisher signalled its end, after which it must not be cancelled. */
		private final AtomicBoolean terminated = new AtomicBoolean();

		private volatile @Nullable Object last;

		@Override
		public void onSubscribe(Subscription subscription) {
			this.result.whenComplete((value, error) -> {
				if (this.terminated.compareAndSet(false, true)) {
					subscription.cancel(); // timed out or abandoned before the publisher ended
				}
			});
			if (!this.result.isDone()) {
				subscription.request(Long.MAX_VALUE);
			}
		}

		@Override
		public void onNext(Object value) {
			this.last = value;
		}

		@Override
		public void onError(Throwable error) {
			if (this.terminated.compareAndSet(false, true)) {
				this.result.completeExceptionally(error);
			}
		}

		@Override
		public void onComplete() {
			if (this.terminated.compareAndSet(false, true)) {
				this.result.complete(this.last);
			}
		}

	}

}
