package io.asynctasq.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * A task's arguments as the JSON array written at dispatch, kept as its UTF-8 bytes: the worker reads each
 * argument from them straight into its declared parameter type, with no tree in between.
 */
public final class JsonArguments {

	private final byte[] bytes;

	private final int offset;

	private final int length;

	private JsonArguments(byte[] bytes, int offset, int length) {
		this.bytes = bytes;
		this.offset = offset;
		this.length = length;
	}

	/** @param json a JSON array, UTF-8; taken as it is, not copied */
	static JsonArguments of(byte[] json) {
		return new JsonArguments(json, 0, json.length);
	}

	/** The JSON array between {@code start} and {@code end} (exclusive) of a message body; not copied. */
	static JsonArguments of(byte[] body, int start, int end) {
		return new JsonArguments(body, start, end - start);
	}

	/** The bytes holding the JSON array, from {@link #offset()} for {@link #length()}; not to be changed. */
	byte[] bytes() {
		return this.bytes;
	}

	int offset() {
		return this.offset;
	}

	int length() {
		return this.length;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof JsonArguments arguments && Arrays.equals(this.bytes, this.offset,
				this.offset + this.length, arguments.bytes, arguments.offset, arguments.offset + arguments.length);
	}

	@Override
	public int hashCode() {
		int hash = 1;
		for (int i = this.offset; i < this.offset + this.length; i++) {
			hash = 31 * hash + this.bytes[i];
		}
		return hash;
	}

	/** The JSON text. */
	@Override
	public String toString() {
		return new String(this.bytes, this.offset, this.length, StandardCharsets.UTF_8);
	}

}
