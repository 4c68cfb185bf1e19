package io.asynctasq.driver.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One state transition as a Lua script, read once from {@code io/asynctasq/driver/redis/<name>-<keys>.lua}
 * and run by its SHA-1 (EVALSHA, falling back to EVAL when the server does not know it yet).
 */
final class LuaScript {

	final String name;

	final int keyCount;

	final byte[] source;

	final String sha;

	private LuaScript(String name, int keyCount, byte[] source) {
		this.name = name;
		this.keyCount = keyCount;
		this.source = source;
		this.sha = sha1(source);
	}

	static LuaScript load(String name, int keyCount) {
		String resource = name + "-" + keyCount + ".lua";
		try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("Lua script " + resource + " is missing from the classpath");
			}
			return new LuaScript(name, keyCount, in.readAllBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read Lua script " + resource, ex);
		}
	}

	private static String sha1(byte[] source) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A call of this script with {@code keys} and {@code args}. */
	Call call(byte[][] keys, byte[][] args) {
		return new Call(this, keys, args);
	}

	@Override
	public String toString() {
		return this.name + "-" + this.keyCount + ".lua";
	}

	/** One call of a script: its keys and arguments. */
	record Call(LuaScript script, byte[][] keys, byte[][] args) {

	}

}
