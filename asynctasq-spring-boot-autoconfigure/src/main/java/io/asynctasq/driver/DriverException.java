package io.asynctasq.driver;

/** A backend failed an operation: unreachable, refused, timed out. Nothing was half-done. */
public class DriverException extends RuntimeException {

	public DriverException(String message) {
		super(message);
	}

	public DriverException(String message, Throwable cause) {
		super(message, cause);
	}

}
