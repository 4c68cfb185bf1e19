package io.asynctasq.driver.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.asynctasq.driver.Causes;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Runs several script calls in one pipeline on Lettuce's native connection (the factory's shared one):
 * every call is written before the first reply is awaited, so N calls cost one round trip instead of
 * N. On a Redis Cluster connection each call goes to the node owning its first key's slot (its queue's).
 * Each call stays one atomic script; a call the server (that node) does not know yet ({@code NOSCRIPT})
 * is sent again with {@code EVAL}.
 */
final class LettuceScriptPipeline {

	private LettuceScriptPipeline() {
	}

	/** The command timeout of a Lettuce {@code factory}, or 0 when it is not Lettuce's. */
	static long timeoutMillis(RedisConnectionFactory factory) {
		return (factory instanceof LettuceConnectionFactory lettuce) ? Math.max(1, lettuce.getTimeout()) : 0;
	}

	/** Whether {@code connection} is a Lettuce connection this pipeline can use. */
	static boolean supports(RedisConnection connection) {
		return connection.getNativeConnection() instanceof RedisScriptingAsyncCommands<?, ?>;
	}

	/**
	 * Runs {@code calls} (all returning integers), pipelined, and waits up to {@code timeoutMillis}
	 * for each reply; returns the replies in order.
	 */
	static List<Long> runAll(RedisConnection connection, List<LuaScript.Call> calls, long timeoutMillis) {
		RedisScriptingAsyncCommands<byte[], byte[]> commands = commands(connection);
		List<RedisFuture<Long>> sent = new ArrayList<>(calls.size());
		for (LuaScript.Call call : calls) {
			sent.add(commands.evalsha(call.script().sha, ScriptOutputType.INTEGER, call.keys(), call.args()));
		}
		List<Long> replies = new ArrayList<>(calls.size());
		for (int i = 0; i < calls.size(); i++) {
			Long reply;
			try {
				reply = await(sent.get(i), timeoutMillis);
			}
			catch (RedisNoScriptException ex) {
				reply = evalAgain(commands, calls.get(i), ScriptOutputType.INTEGER, timeoutMillis);
			}
			replies.add(reply);
		}
		return replies;
	}

	/**
	 * Whether {@code factory} is a Lettuce factory whose callers share one native connection, so a command
	 * written on it may still be answered after the caller closed its {@code RedisConnection}.
	 */
	static boolean sharesConnection(RedisConnectionFactory factory) {
		return factory instanceof LettuceConnectionFactory lettuce && lettuce.getShareNativeConnection();
	}

	/**
	 * Writes {@code calls} (all returning integers) on the shared native connection and returns at once: the
	 * future completes when every call answered, on Lettuce's thread. A call the server does not know yet
	 * ({@code NOSCRIPT}) is sent again with {@code EVAL}.
	 */
	static CompletableFuture<Void> sendAll(RedisConnection connection, List<LuaScript.Call> calls) {
		RedisScriptingAsyncCommands<byte[], byte[]> commands = commands(connection);
		CompletableFuture<?>[] sent = new CompletableFuture<?>[calls.size()];
		for (int i = 0; i < calls.size(); i++) {
			LuaScript.Call call = calls.get(i);
			sent[i] = commands.evalsha(call.script().sha, ScriptOutputType.INTEGER, call.keys(), call.args())
				.toCompletableFuture()
				.exceptionallyCompose((failure) -> (Causes.unwrapCompletion(failure) instanceof RedisNoScriptException)
						? commands.eval(call.script().source, ScriptOutputType.INTEGER, call.keys(), call.args())
							.toCompletableFuture()
						: CompletableFuture.failedFuture(failure));
		}
		return CompletableFuture.allOf(sent);
	}

	/** First run on this server (or after SCRIPT FLUSH / a restart): EVAL also caches the script. */
	private static <T> T evalAgain(RedisScriptingAsyncCommands<byte[], byte[]> commands, LuaScript.Call call,
			ScriptOutputType type, long timeoutMillis) {
		return await(commands.eval(call.script().source, type, call.keys(), call.args()), timeoutMillis);
	}

	@SuppressWarnings("unchecked")
	private static RedisScriptingAsyncCommands<byte[], byte[]> commands(RedisConnection connection) {
		return (RedisScriptingAsyncCommands<byte[], byte[]>) connection.getNativeConnection();
	}

	private static <T> T await(RedisFuture<T> future, long timeoutMillis) {
		try {
			return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			throw (cause instanceof RuntimeException runtime) ? runtime : new IllegalStateException(cause);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedisCommandInterruptedException(ex);
		}
		catch (TimeoutException ex) {
			throw new RedisCommandTimeoutException("Script got no answer within " + timeoutMillis + " ms");
		}
	}

}
