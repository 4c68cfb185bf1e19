package io.asynctasq.driver.redis;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.util.ClassUtils;

/**
 * The Redis driver's Lua scripts and their shared fragments as resources of a native image, included when
 * the driver is.
 */
class RedisScriptsRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		String location = ClassUtils.classPackageAsResourcePath(LuaScript.class);
		hints.resources()
			.registerPattern((scripts) -> scripts.includes(TypeReference.of(LuaScript.class), location + "/*.lua",
					location + "/lib/*.lua"));
	}

}
