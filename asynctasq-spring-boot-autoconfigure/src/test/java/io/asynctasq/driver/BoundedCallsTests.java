package io.asynctasq.driver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A bounded call answers within its timeout, holds at most its number of slots while the backend hangs,
 * and gives its slot back before its caller hears the outcome.
 */
class BoundedCallsTests {

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void close() {
		this.release.countDown();
		this.executor.shutdownNow();
	}

	@Test
	void aCallerThatCallsAgainAsSoonAsItHearsTheOutcomeFindsItsSlotFree() {
		BoundedCalls calls = new BoundedCalls(this.executor, Duration.ofSeconds(5), "test.timeout", "test", 1);
		CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
		for (int i = 0; i < 100; i++) {
			// the next call is made on the thread that completes the previous one, at the moment it completes
			chain = chain.thenCompose((ignored) -> calls.submit("answer", () -> {
			}));
		}
		assertThat(chain).succeedsWithin(Duration.ofSeconds(10));
	}

	@Test
	void aHangingBackendHoldsAtMostTheSlotsAndFurtherCallsFailAtOnceNamingTheProperty() {
		BoundedCalls calls = new BoundedCalls(this.executor, Duration.ofMillis(300), "test.timeout", "test", 2);
		CompletableFuture<Void> first = calls.submit("hang", this::hang);
		CompletableFuture<Void> second = calls.submit("hang", this::hang);

		assertThat(calls.submit("answer", () -> {
		})).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(DriverException.class)
			.withMessageContaining("2 calls have been waiting")
			.withMessageContaining("(test.timeout)");
		assertThatExceptionOfType(DriverException.class).isThrownBy(() -> calls.run("answer", () -> {
		})).withMessageContaining("2 calls have been waiting");
		assertThat(first).failsWithin(Duration.ofSeconds(5))
			.withThrowableThat()
			.havingCause()
			.withMessageContaining("did not hang within PT0.3S (test.timeout)");
		assertThat(second).failsWithin(Duration.ofSeconds(5));

		this.release.countDown();
		Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
			assertThat(calls.submit("answer", () -> {
			})).succeedsWithin(Duration.ofSeconds(1)));
	}

	private void hang() {
		try {
			this.release.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
