package io.asynctasq.runtime;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What the servers see of a client, asked on the server side without a client library of its own (no pools,
 * no threads that would blur what a test checks): Redis {@code CLIENT LIST}, PostgreSQL {@code pg_stat_activity},
 * RabbitMQ {@code rabbitmqctl}.
 */
final class ServerConnections {

	static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";

	/** Thread names of the clients and the library: what a closed application must not leave running. */
	private static final List<String> CLIENT_THREADS = List.of("asynctasq-", "lettuce-", "AMQP Connection",
			"HikariPool", "rabbitmq-");

	private ServerConnections() {
	}

	/** Redis connections whose client name is {@code name}. */
	static long redis(String name) {
		try (Socket socket = new Socket("127.0.0.1", 6379)) {
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write("*2\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			String header = readLine(in);
			if (!header.startsWith("$")) {
				throw new IllegalStateException("CLIENT LIST answered " + header);
			}
			byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
			return new String(body, StandardCharsets.UTF_8).lines()
				.filter((line) -> Arrays.asList(line.split(" ")).contains("name=" + name))
				.count();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		for (int b = in.read(); b != '\n'; b = in.read()) {
			if (b < 0) {
				throw new IOException("Redis closed the connection");
			}
			if (b != '\r') {
				line.write(b);
			}
		}
		return line.toString(StandardCharsets.US_ASCII);
	}

	/** PostgreSQL sessions whose {@code application_name} is {@code name}. */
	static long postgres(String name) {
		try (Connection connection = DriverManager.getConnection(POSTGRES_URL, "postgres", "");
				PreparedStatement count = connection
					.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
			count.setString(1, name);
			try (ResultSet result = count.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** RabbitMQ connections that the client named {@code name} (its {@code connection_name} property). */
	static long rabbitConnections(String name) {
		return rabbitmqctl("list_connections", "client_properties").stream()
			.filter((line) -> line.contains("\"" + name + "\""))
			.count();
	}

	/** Consumers on the RabbitMQ queues whose names start with {@code prefix}. */
	static long rabbitConsumers(String prefix) {
		return rabbitmqctl("list_queues", "name", "consumers").stream()
			.map((line) -> line.split("\t"))
			.filter((columns) -> columns.length == 2 && columns[0].startsWith(prefix))
			.mapToLong((columns) -> Long.parseLong(columns[1].trim()))
			.sum();
	}

	private static List<String> rabbitmqctl(String... arguments) {
		List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-q", "--no-table-headers"));
		command.addAll(Arrays.asList(arguments));
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			List<String> lines;
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				lines = reader.lines().toList();
			}
			if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
				process.destroyForcibly();
				throw new IllegalStateException(command + " failed: " + lines);
			}
			return lines;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The live threads of the clients and the library, named as {@link #CLIENT_THREADS}. */
	static Set<Thread> clientThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.filter((thread) -> CLIENT_THREADS.stream().anyMatch(thread.getName()::startsWith))
			.collect(Collectors.toSet());
	}

	/** The client and library threads alive now that were not in {@code before}, by name. */
	static List<String> clientThreadsSince(Set<Thread> before) {
		return clientThreads().stream().filter((thread) -> !before.contains(thread)).map(Thread::getName).toList();
	}

}
