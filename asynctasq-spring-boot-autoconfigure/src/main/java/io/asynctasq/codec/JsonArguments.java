package io.asynctasq.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * A task's arguments as the JSON array written at dispatch, kept as its UTF-8 bytes: the worker reads each
 * argument from them straight into its declared parameter type, with no tree in between.
 */
public final class JsonArguments {

	private final byte[] json;

	private JsonArguments(byte[] json) {
		this.json = json;
	}

	/** @param json a JSON array, UTF-8; taken as it is, not copied */
	static JsonArguments of(byte[] json) {
		return new JsonArguments(json);
	}

	/** The JSON array's bytes; not to be changed. */
	byte[] bytes() {
		return this.json;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof JsonArguments arguments && Arrays.equals(this.json, arguments.json);
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(this.json);
	}

	/** The JSON text. */
	@Override
	public String toString() {
		return new String(this.json, StandardCharsets.UTF_8);
	}

}
