package io.asynctasq.autoconfigure;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * A configuration property AsyncTasQ cannot start with: a value out of range, or a driver whose client
 * library or connection is missing. Names the property, its value, the reason and the fix, which
 * {@link InvalidAsyncTasqPropertyFailureAnalyzer} reports.
 */
public class InvalidAsyncTasqPropertyException extends InvalidConfigurationPropertyValueException {

	private final String action;

	public InvalidAsyncTasqPropertyException(String name, Object value, String reason, String action) {
		super(name, value, reason);
		this.action = action;
	}

	/** How to fix it. */
	public String getAction() {
		return this.action;
	}

}
