package io.asynctasq.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The actuator endpoint {@code asynctasq}, under {@code asynctasq.endpoint.*}. */
@ConfigurationProperties("asynctasq.endpoint")
public class AsyncTasqEndpointProperties {

	/**
	 * Whether the endpoint's write operations (retry or delete one dead letter, retry all, purge) may run. When
	 * false they answer 403.
	 */
	private boolean writeOperations = false;

	/**
	 * When dead letters show their tasks' arguments, which may hold secrets: never (masked as "******"), always,
	 * or when-authorized (an authenticated user with one of the roles).
	 */
	private Show showArguments = Show.NEVER;

	/**
	 * Roles a user needs for write operations when Spring Security is present (any one of them), and to see
	 * arguments when show-arguments is when-authorized.
	 */
	private Set<String> roles = new LinkedHashSet<>(Set.of("ASYNCTASQ_ADMIN"));

	public boolean isWriteOperations() {
		return this.writeOperations;
	}

	public void setWriteOperations(boolean writeOperations) {
		this.writeOperations = writeOperations;
	}

	public Show getShowArguments() {
		return this.showArguments;
	}

	public void setShowArguments(Show showArguments) {
		this.showArguments = showArguments;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

	public void setRoles(Set<String> roles) {
		this.roles = roles;
	}

}
