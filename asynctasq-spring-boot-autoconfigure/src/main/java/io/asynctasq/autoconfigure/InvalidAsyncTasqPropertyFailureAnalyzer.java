package io.asynctasq.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * Reports an {@link InvalidAsyncTasqPropertyException}: the property, its value as written and where, why
 * AsyncTasQ cannot start with it, and the fix. Runs before Spring Boot's analyzer of invalid property
 * values, which would give no fix.
 */
class InvalidAsyncTasqPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidAsyncTasqPropertyException>
		implements Ordered {

	private final Environment environment;

	InvalidAsyncTasqPropertyFailureAnalyzer(Environment environment) {
		this.environment = environment;
	}

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidAsyncTasqPropertyException cause) {
		ConfigurationProperty configured = configured(cause.getName());
		Object value = (configured != null) ? configured.getValue() : cause.getValue();
		Origin origin = (configured != null) ? configured.getOrigin() : null;
		String description = "Invalid value '" + value + "' for configuration property '" + cause.getName() + "'"
				+ ((origin != null) ? " (originating from '" + origin + "')" : "") + ": " + cause.getReason();
		return new FailureAnalysis(description, cause.getAction(), cause);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	/** The property as the environment holds it (its text and where it is set), or {@code null}. */
	private @Nullable ConfigurationProperty configured(String property) {
		if (!(this.environment instanceof ConfigurableEnvironment configurable)
				|| !ConfigurationPropertyName.isValid(property)) {
			return null;
		}
		ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(configurable)) {
			ConfigurationProperty value = source.getConfigurationProperty(name);
			if (value != null) {
				return value;
			}
		}
		return null;
	}

}
