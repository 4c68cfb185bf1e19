package io.asynctasq.driver.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A Redis server of one test ({@code redis-server} from the PATH, as installed next to the shared
 * server), on a free port, in a data directory of its own that {@link #close()} deletes. By default it
 * persists every write to an append-only file so a restart keeps the data; {@link #clusterNode(Path)}
 * makes a Redis Cluster node instead ({@link PrivateRedisCluster}).
 */
final class PrivateRedisServer implements AutoCloseable {

	final int port;

	private final Path directory;

	private final List<String> options;

	private Process process;

	/** Kills the server if the JVM exits before the test closed it, so no server outlives the tests. */
	private Thread killOnExit;

	/** A server persisting every write (append-only file, fsync always), in a new temporary directory. */
	PrivateRedisServer() throws IOException {
		this(Files.createTempDirectory("asynctasq-redis-"), freePort(), List.of("--save", "", "--appendonly", "yes",
				"--appendfsync", "always"));
	}

	private PrivateRedisServer(Path directory, int port, List<String> options) {
		this.directory = directory;
		this.port = port;
		this.options = options;
	}

	/**
	 * A Redis Cluster node (no persistence) working in {@code directory} (created), with its cluster bus
	 * on a second free port so neither depends on the other ({@code port + 10000} may be taken or out of
	 * range).
	 */
	static PrivateRedisServer clusterNode(Path directory) throws IOException {
		Files.createDirectories(directory);
		int port = freePort();
		int busPort = freePort();
		return new PrivateRedisServer(directory, port,
				List.of("--cluster-enabled", "yes", "--cluster-config-file",
						directory.resolve("nodes-" + port + ".conf").toString(), "--cluster-port",
						Integer.toString(busPort), "--save", "", "--appendonly", "no"));
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	/** Starts (or restarts) the server on the same port and data directory; returns once it accepts connections. */
	PrivateRedisServer start() throws IOException {
		List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(this.port),
				"--bind", "127.0.0.1", "--dir", this.directory.toString()));
		command.addAll(this.options);
		try {
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("redis.log").toFile()))
				.start();
		}
		catch (IOException ex) {
			throw new IOException("This test starts its own Redis server and needs redis-server on the PATH", ex);
		}
		if (this.killOnExit == null) {
			this.killOnExit = new Thread(() -> {
				Process running = this.process;
				if (running != null) {
					running.destroyForcibly();
				}
			}, "kill-redis-" + this.port);
			Runtime.getRuntime().addShutdownHook(this.killOnExit);
		}
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(this::accepts);
		return this;
	}

	/** {@code 127.0.0.1:<port>}. */
	String address() {
		return "127.0.0.1:" + this.port;
	}

	/** The server's log so far, for a failure message. */
	String log() {
		try {
			return Files.readString(this.directory.resolve("redis.log"));
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	/** Kills the server (SIGKILL): a crash, not a shutdown. */
	void kill() throws InterruptedException {
		if (this.process != null) {
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

	private boolean accepts() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Kills the server and deletes its data directory. */
	@Override
	public void close() throws Exception {
		kill();
		if (this.killOnExit != null) {
			try {
				Runtime.getRuntime().removeShutdownHook(this.killOnExit);
			}
			catch (IllegalStateException ex) {
				// the JVM is exiting: the hook kills the server anyway
			}
			this.killOnExit = null;
		}
		delete(this.directory);
	}

	/** Deletes {@code directory} and everything in it. */
	static void delete(Path directory) throws IOException {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> files = Files.walk(directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
	}

}
