package io.asynctasq.driver.tck;

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
 * A TCP proxy on 127.0.0.1 in front of a real server, whose link a test can break the two ways a backend
 * goes away: {@linkplain #cut() cut} (every connection dropped, new ones refused: a stopped server) or
 * {@linkplain #silence() silenced} (connections stay open and new ones are accepted, but no byte passes:
 * a hung server or a network partition). {@link #restore()} lets traffic through again on the same port;
 * connections silenced meanwhile are dropped then, as a server that restarted would. It can also
 * {@linkplain #holdReplies() hold the server's replies} (a slow server): what clients send goes through, what
 * the server answers waits until {@link #releaseReplies()}.
 */
public final class CuttableProxy implements AutoCloseable {

	private final int targetPort;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private volatile ServerSocket server;

	private volatile int port;

	private volatile boolean silent;

	/** Guards {@link #holding}; replies wait on it. */
	private final Object replies = new Object();

	private boolean holding;

	/** @param targetPort the port of the real server on 127.0.0.1 */
	public CuttableProxy(int targetPort) throws IOException {
		this.targetPort = targetPort;
		listen(0);
	}

	/** The port clients connect to. */
	public int port() {
		return this.port;
	}

	/** Drops every connection and refuses new ones. */
	public synchronized void cut() throws IOException {
		if (this.server != null) {
			this.server.close();
			this.server = null;
		}
		dropConnections();
	}

	/** Keeps connections open and accepts new ones, but passes no byte either way. */
	public synchronized void silence() {
		this.silent = true;
	}

	/** Passes what clients send, and keeps back what the server answers until {@link #releaseReplies()}. */
	public void holdReplies() {
		synchronized (this.replies) {
			this.holding = true;
		}
	}

	/** Lets the server's replies through, those held first. */
	public void releaseReplies() {
		synchronized (this.replies) {
			this.holding = false;
			this.replies.notifyAll();
		}
	}

	/** Lets traffic through again, on the same port; connections silenced meanwhile are dropped. */
	public synchronized void restore() throws IOException {
		if (this.silent) {
			this.silent = false;
			dropConnections();
		}
		if (this.server == null) {
			listen(this.port);
		}
	}

	@Override
	public synchronized void close() throws IOException {
		this.silent = false;
		releaseReplies();
		cut();
	}

	private void dropConnections() {
		for (Socket socket : this.sockets) {
			closeQuietly(socket);
		}
		this.sockets.clear();
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
				Socket target = new Socket(InetAddress.getLoopbackAddress(), this.targetPort);
				synchronized (this) {
					if (this.server != socket) {
						// cut while this connection was being made: it must not survive the cut
						closeQuietly(client);
						closeQuietly(target);
						continue;
					}
					this.sockets.add(client);
					this.sockets.add(target);
				}
				pump(client, target, false);
				pump(target, client, true);
			}
			catch (IOException ex) {
				// closed by cut()
			}
		}
	}

	private void pump(Socket from, Socket to, boolean replies) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[16 * 1024];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
					if (this.silent) {
						continue; // swallowed: the other side hears nothing
					}
					if (replies) {
						awaitReplies();
					}
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

	private void awaitReplies() throws IOException {
		synchronized (this.replies) {
			while (this.holding) {
				try {
					this.replies.wait();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException("Interrupted while holding a reply", ex);
				}
			}
		}
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
