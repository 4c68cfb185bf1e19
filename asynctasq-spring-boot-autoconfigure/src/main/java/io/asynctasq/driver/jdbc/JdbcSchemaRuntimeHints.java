package io.asynctasq.driver.jdbc;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.util.ClassUtils;

/** The JDBC driver's DDL scripts, one per dialect, as resources of a native image, included when the driver is. */
class JdbcSchemaRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		String location = ClassUtils.classPackageAsResourcePath(JdbcSchema.class);
		hints.resources()
			.registerPattern((scripts) -> scripts.includes(TypeReference.of(JdbcSchema.class),
					location + "/schema-*.sql"));
	}

}
