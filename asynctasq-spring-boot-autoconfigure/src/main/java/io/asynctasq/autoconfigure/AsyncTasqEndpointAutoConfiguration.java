package io.asynctasq.autoconfigure;

import io.asynctasq.endpoint.AsyncTasqEndpoint;
import io.asynctasq.inspection.TaskInspector;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * The actuator endpoint {@code asynctasq}, when Spring Boot Actuator is present; like every endpoint it is
 * reachable over HTTP only once exposed ({@code management.endpoints.web.exposure.include}).
 */
@AutoConfiguration(after = AsyncTasqAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(TaskInspector.class)
@ConditionalOnAvailableEndpoint(AsyncTasqEndpoint.class)
@EnableConfigurationProperties(AsyncTasqEndpointProperties.class)
public final class AsyncTasqEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	AsyncTasqEndpoint asyncTasqEndpoint(TaskInspector inspector, AsyncTasqEndpointProperties properties) {
		boolean springSecurity = ClassUtils.isPresent("org.springframework.security.core.Authentication",
				AsyncTasqEndpointAutoConfiguration.class.getClassLoader());
		return new AsyncTasqEndpoint(inspector, properties.isWriteOperations(), properties.getShowArguments(),
				properties.getRoles(), springSecurity);
	}

}
