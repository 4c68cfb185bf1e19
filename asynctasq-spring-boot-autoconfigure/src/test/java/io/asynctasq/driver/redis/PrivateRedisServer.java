package io.asynctasq.driver.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A Redis server of one test ({@code redis-server} from the PATH, as installed next to the shared
 * server), on a free port, persisting every write to an append-only file so a restart keeps the data.
 */
final class PrivateRedisServer implements AutoCloseable {

	final int port;

	private final Path directory;

	private Process process;

	PrivateRedisServer() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			this.port = socket.getLocalPort();
		}
		this.directory = Files.createTempDirectory("asynctasq-redis-");
	}

	/** Starts (or restarts) the server on the same port and data directory; returns once it accepts connections. */
	PrivateRedisServer start() throws IOException {
		List<String> command = List.of("redis-server", "--port", Integer.toString(this.port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", this.directory.toString());
		try {
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(this.directory.resolve("redis.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new IOException("This test starts its own Redis server and needs redis-server on the PATH", ex);
		}
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(this::accepts);
		return this;
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

	@Override
	public void close() throws Exception {
		kill();
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
	}

}
