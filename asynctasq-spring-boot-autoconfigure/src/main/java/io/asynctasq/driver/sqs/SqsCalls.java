package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.asynctasq.driver.Causes;
import io.asynctasq.driver.DriverException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Waits for the asynchronous client's calls, each at most the call timeout, so a silent endpoint fails a call
 * within it whatever the HTTP client's own timeouts are; what the client failed with becomes a
 * {@link DriverException} naming SQS and the call.
 */
final class SqsCalls {

	private final Duration timeout;

	SqsCalls(Duration timeout) {
		this.timeout = timeout;
	}

	Duration timeout() {
		return this.timeout;
	}

	/** Waits for {@code call}; an interrupt cancels it and is kept on the thread. */
	<T> T await(CompletableFuture<T> call, String what) {
		try {
			return awaitInterruptibly(call, what, this.timeout);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DriverException("SQS: interrupted while waiting to " + what, ex);
		}
	}

	/** Waits up to {@code timeout} for {@code call}, cancelling it when the wait ends without an answer. */
	static <T> T awaitInterruptibly(CompletableFuture<T> call, String what, Duration timeout)
			throws InterruptedException {
		try {
			return call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			call.cancel(true);
			throw ex;
		}
		catch (TimeoutException ex) {
			call.cancel(true);
			throw timedOut(what, timeout, ex);
		}
		catch (CancellationException ex) {
			throw new DriverException("SQS call cancelled: " + what, ex);
		}
		catch (ExecutionException ex) {
			throw failure(what, ex.getCause());
		}
	}

	/** SQS gave no answer to {@code what} within the call timeout. */
	static DriverException timedOut(String what, Duration timeout, Throwable cause) {
		return new DriverException("SQS did not answer within " + timeout.toMillis() + " ms (asynctasq.sqs.call-timeout) to "
				+ what, cause);
	}

	static DriverException failure(String what, @Nullable Throwable error) {
		Throwable cause = unwrap(error);
		if (cause instanceof DriverException driverException) {
			return driverException;
		}
		String detail = (cause instanceof AwsServiceException service && service.awsErrorDetails() != null)
				? service.awsErrorDetails().errorCode() + ": " + service.awsErrorDetails().errorMessage()
				: String.valueOf(cause);
		return new DriverException("SQS failed to " + what + ": " + detail, cause);
	}

	/** The cause inside the completion wrappers a future's chain adds. */
	static @Nullable Throwable unwrap(@Nullable Throwable error) {
		return (error != null) ? Causes.unwrapCompletion(error) : null;
	}

	/** Whether {@code error} is SQS saying this receipt handle no longer names a message this caller holds. */
	static boolean isStaleReceipt(@Nullable Throwable error) {
		Throwable cause = unwrap(error);
		if (cause instanceof AwsServiceException service && service.awsErrorDetails() != null) {
			return isStaleReceiptCode(service.awsErrorDetails().errorCode());
		}
		return false;
	}

	/** Whether an error code (of a call or of one entry of a batch) says the receipt handle is no longer honoured. */
	static boolean isStaleReceiptCode(@Nullable String errorCode) {
		String code = String.valueOf(errorCode);
		return code.contains("ReceiptHandleIsInvalid") || code.contains("MessageNotInflight")
				|| code.contains("InvalidParameterValue");
	}

	/** Whether {@code error} is SQS saying the queue does not exist. */
	static boolean isMissingQueue(@Nullable Throwable error) {
		Throwable cause = unwrap(error);
		if (cause instanceof AwsServiceException service && service.awsErrorDetails() != null) {
			String code = String.valueOf(service.awsErrorDetails().errorCode());
			return code.contains("NonExistentQueue") || code.contains("QueueDoesNotExist");
		}
		return false;
	}

}
