package io.asynctasq.driver.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One state transition as a Lua script, read once from {@code io/asynctasq/driver/redis/<name>-<keys>.lua}
 * and run by its SHA-1 (EVALSHA, falling back to EVAL when the server does not know it yet). A line
 * {@code --#include lib/<fragment>.lua} is replaced by that fragment (local functions several scripts
 * share), so the server sees one self-contained script.
 */
final class LuaScript {

	private static final Pattern INCLUDE = Pattern.compile("(?m)^--#include (lib/[A-Za-z]+\\.lua)$");

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
		String source = read(name + "-" + keyCount + ".lua");
		Matcher include = INCLUDE.matcher(source);
		StringBuilder assembled = new StringBuilder(source.length() + 1024);
		while (include.find()) {
			include.appendReplacement(assembled, Matcher.quoteReplacement(read(include.group(1))));
		}
		include.appendTail(assembled);
		return new LuaScript(name, keyCount, assembled.toString().getBytes(StandardCharsets.UTF_8));
	}

	private static String read(String resource) {
		try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("Lua script " + resource + " is missing from the classpath");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
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
