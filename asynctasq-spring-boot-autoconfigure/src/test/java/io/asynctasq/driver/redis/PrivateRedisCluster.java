package io.asynctasq.driver.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of one test class: {@link PrivateRedisServer} cluster nodes (masters only) in one
 * temporary folder, joined by {@code redis-cli --cluster create}. {@link #close()} kills every node and
 * deletes the folder; a cluster that fails to start is closed before the failure is thrown.
 */
final class PrivateRedisCluster implements AutoCloseable {

	private final Path directory;

	private final List<PrivateRedisServer> nodes = new ArrayList<>();

	private PrivateRedisCluster(Path directory) {
		this.directory = directory;
	}

	/** Starts {@code masters} nodes, creates the cluster and returns once every node reports {@code cluster_state:ok}. */
	static PrivateRedisCluster start(int masters) throws Exception {
		PrivateRedisCluster cluster = new PrivateRedisCluster(Files.createTempDirectory("asynctasq-redis-cluster-"));
		try {
			for (int i = 0; i < masters; i++) {
				cluster.nodes.add(PrivateRedisServer.clusterNode(cluster.directory.resolve("node-" + i)).start());
			}
			List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
			create.addAll(cluster.nodes());
			create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
			String output = cluster.redisCli(create);
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(100))
				.alias("cluster_state:ok on every node after: " + output)
				.until(cluster::isOk);
			return cluster;
		}
		catch (Throwable ex) {
			String logs = cluster.logs();
			cluster.close();
			throw new IllegalStateException("Could not start a Redis Cluster of " + masters + " nodes: " + ex
					+ "\n" + logs, ex);
		}
	}

	/** The nodes' {@code host:port}, as {@code spring.data.redis.cluster.nodes} takes them. */
	List<String> nodes() {
		return this.nodes.stream().map(PrivateRedisServer::address).toList();
	}

	private boolean isOk() throws Exception {
		return onEveryNode("cluster", "info").stream().allMatch((info) -> info.contains("cluster_state:ok"));
	}

	/** Runs one command on every node (with redis-cli) and returns what each answered. */
	List<String> onEveryNode(String... command) throws IOException, InterruptedException {
		List<String> answers = new ArrayList<>();
		for (PrivateRedisServer node : this.nodes) {
			List<String> line = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(node.port)));
			line.addAll(List.of(command));
			answers.add(redisCli(line));
		}
		return answers;
	}

	/** Runs redis-cli (at most 60 s) and returns what it printed; fails naming it when it exits non-zero. */
	private String redisCli(List<String> command) throws IOException, InterruptedException {
		Path output = Files.createTempFile(this.directory, "redis-cli-", ".out");
		Process process;
		try {
			process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
			process.getOutputStream().close();
		}
		catch (IOException ex) {
			throw new IOException("This test creates a Redis Cluster and needs redis-cli on the PATH", ex);
		}
		try {
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException(command + " did not end within 60 s");
			}
		}
		finally {
			process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		String printed = Files.readString(output, StandardCharsets.UTF_8);
		Files.delete(output);
		if (process.exitValue() != 0) {
			throw new IllegalStateException(command + " exited with " + process.exitValue() + ": " + printed);
		}
		return printed;
	}

	private String logs() {
		StringBuilder logs = new StringBuilder();
		for (PrivateRedisServer node : this.nodes) {
			logs.append("--- ").append(node.address()).append('\n').append(node.log());
		}
		return logs.toString();
	}

	/** Kills every node and deletes the cluster's folder. */
	@Override
	public void close() throws Exception {
		Exception failure = null;
		for (PrivateRedisServer node : this.nodes) {
			try {
				node.close();
			}
			catch (Exception ex) {
				failure = (failure != null) ? failure : ex;
			}
		}
		PrivateRedisServer.delete(this.directory);
		if (failure != null) {
			throw failure;
		}
	}

}
