package io.asynctasq.codec;

/** A message body, or its arguments, cannot be decoded into a runnable task. */
public class UndecodableTaskException extends RuntimeException {

	public UndecodableTaskException(String message) {
		super(message);
	}

	public UndecodableTaskException(String message, Throwable cause) {
		super(message, cause);
	}

}
