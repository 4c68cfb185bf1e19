package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of the test broker whose link can be cut (every connection
 * dropped, new ones refused) and restored on the same port: a broker outage seen from the client.
 */
final class CuttableProxy implements AutoCloseable {

	private final int targetPort;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private volatile ServerSocket server;

	private volatile int port;

	CuttableProxy(int targetPort) throws IOException {
		this.targetPort = targetPort;
		listen(0);
	}

	int port() {
		return this.port;
	}

	/** Drops every connection and refuses new ones. */
	synchronized void cut() throws IOException {
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
		this.sockets.clear();
	}

	/** Accepts connections again, on the same port. */
	synchronized void restore() throws IOException {
		listen(this.port);
	}

	@Override
	public void close() throws IOException {
		cut();
	}

	private void listen(int requestedPort) throws IOException {
		ServerSocket socket = new ServerSocket();
		socket.setReuseAddress(true);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort));
		this.server = socket;
		this.port = socket.getLocalPort();
		Thread acceptor = new Thread(() -> accept(socket), "test-proxy-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	private void accept(ServerSocket socket) {
		while (!socket.isClosed()) {
			try {
				Socket client = socket.accept();
				Socket broker = new Socket(InetAddress.getLoopbackAddress(), this.targetPort);
				this.sockets.add(client);
				this.sockets.add(broker);
				pump(client, broker);
				pump(broker, client);
			}
			catch (IOException ex) {
				// closed by cut()
			}
		}
	}

	private void pump(Socket from, Socket to) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[16 * 1024];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// one side closed
			}
			finally {
				closeQuietly(from);
				closeQuietly(to);
			}
		}, "test-proxy-pump");
		thread.setDaemon(true);
		thread.start();
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ignored) {
			// closing anyway
		}
	}

}
