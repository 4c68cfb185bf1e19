package io.asynctasq.driver.rabbitmq;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.asynctasq.driver.Causes;
import io.asynctasq.driver.DriverException;
import org.jspecify.annotations.Nullable;

/**
 * Publishes mandatory messages on a few shared confirm channels and waits for the broker's confirms.
 * <p>
 * Any number of threads publish on the same channel at once: each message is correlated with its
 * publish sequence number, and a {@link ConfirmListener} completes the outstanding messages an ack or a
 * nack covers (a {@code multiple} confirm completes every earlier one at once). So concurrent
 * publishers share the confirm round trips instead of waiting for each other, and a batch is published
 * in full before its one wait. A message the broker could not route comes back in a
 * {@code basic.return}, which the broker sends before the message's confirm: it fails that publish.
 */
final class ConfirmPublisher implements AutoCloseable {

	private final ChannelOpener opener;

	private final String exchange;

	private final Duration confirmTimeout;

	private final Slot[] slots;

	private final AtomicInteger next = new AtomicInteger();

	/**
	 * @param opener opens a new channel on the driver's connection
	 * @param exchange the exchange every message is published to
	 * @param confirmTimeout how long a publish waits for its confirms
	 * @param channels how many channels publish (each a broker process of its own)
	 */
	ConfirmPublisher(ChannelOpener opener, String exchange, Duration confirmTimeout, int channels) {
		this.opener = opener;
		this.exchange = exchange;
		this.confirmTimeout = confirmTimeout;
		this.slots = new Slot[channels];
		for (int i = 0; i < channels; i++) {
			this.slots[i] = new Slot();
		}
	}

	/**
	 * Publishes every message, mandatory, on one channel and returns once the broker confirmed them all.
	 * @throws DriverException when the broker nacked or could not route one, no confirm came in time, or
	 * the channel failed; the messages may then be stored or not
	 */
	void publish(List<Outgoing> messages) {
		if (messages.isEmpty()) {
			return;
		}
		Slot slot = this.slots[Math.floorMod(this.next.getAndIncrement(), this.slots.length)];
		List<Pending> pending = new ArrayList<>(messages.size());
		try {
			slot.publish(messages, pending);
			awaitConfirms(pending);
		}
		catch (IOException | ShutdownSignalException ex) {
			throw new DriverException("RabbitMQ publish failed: " + BrokerConnection.describe(ex), ex);
		}
		finally {
			slot.forget(pending);
		}
	}

	/**
	 * Publishes every message, mandatory, on one channel and returns at once: the future completes when the
	 * broker confirmed them all, on the connection's thread, and fails as {@link #publish} throws.
	 */
	CompletableFuture<Void> publishAsync(List<Outgoing> messages) {
		if (messages.isEmpty()) {
			return CompletableFuture.completedFuture(null);
		}
		Slot slot = this.slots[Math.floorMod(this.next.getAndIncrement(), this.slots.length)];
		List<Pending> pending = new ArrayList<>(messages.size());
		try {
			slot.publish(messages, pending);
		}
		catch (IOException | ShutdownSignalException ex) {
			slot.forget(pending);
			return CompletableFuture.failedFuture(
					new DriverException("RabbitMQ publish failed: " + BrokerConnection.describe(ex), ex));
		}
		CompletableFuture<Void> confirmed = CompletableFuture
			.allOf(pending.stream().map((one) -> one.confirmed).toArray(CompletableFuture[]::new))
			.orTimeout(Math.max(1, this.confirmTimeout.toNanos()), TimeUnit.NANOSECONDS);
		CompletableFuture<Void> result = new CompletableFuture<>();
		confirmed.whenComplete((ignored, failure) -> {
			slot.forget(pending);
			if (failure == null) {
				result.complete(null);
				return;
			}
			Throwable cause = Causes.unwrapCompletion(failure);
			if (cause instanceof TimeoutException) {
				result.completeExceptionally(unconfirmed(pending.size(), cause));
			}
			else {
				result.completeExceptionally((cause instanceof DriverException) ? cause
						: new DriverException("RabbitMQ publish failed: " + BrokerConnection.describe(cause), cause));
			}
		});
		return result;
	}

	private DriverException unconfirmed(int messages, Throwable cause) {
		return new DriverException("RabbitMQ did not confirm " + messages + " message(s) within "
				+ this.confirmTimeout.toMillis() + " ms (asynctasq.rabbitmq.confirm-timeout); they may or may "
				+ "not have been stored", cause);
	}

	private void awaitConfirms(List<Pending> pending) {
		long deadline = System.nanoTime() + Math.max(1, this.confirmTimeout.toNanos());
		try {
			// confirms come in order, mostly as one multiple ack: after the last, the others are done
			for (int i = pending.size() - 1; i >= 0; i--) {
				pending.get(i).confirmed.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof DriverException driverException) {
				throw driverException;
			}
			throw new DriverException("RabbitMQ publish failed: " + BrokerConnection.describe(ex), ex.getCause());
		}
		catch (TimeoutException ex) {
			throw unconfirmed(pending.size(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DriverException("Interrupted while waiting for RabbitMQ publisher confirms", ex);
		}
	}

	@Override
	public void close() {
		for (Slot slot : this.slots) {
			slot.close();
		}
	}

	/** Opens a channel on the driver's connection. */
	@FunctionalInterface
	interface ChannelOpener {

		Channel open() throws IOException;

	}

	/** One message waiting for its confirm. */
	private static final class Pending {

		final Outgoing message;

		final CompletableFuture<Void> confirmed = new CompletableFuture<>();

		/** Set by the connection's thread on a {@code basic.return}, before the confirm. */
		volatile boolean returned;

		Pending(Outgoing message) {
			this.message = message;
		}

	}

	/** One confirm channel, opened on first use and again after it closed, shared by every publisher. */
	private final class Slot {

		/** Orders sequence numbers with publishes on the channel; guards {@link #channel}. */
		private final ReentrantLock lock = new ReentrantLock();

		private @Nullable Channel channel;

		/**
		 * Messages published on {@link #channel} and not confirmed yet, by publish sequence number; written
		 * under {@link #lock}, read by {@link #forget} without it.
		 */
		private volatile @Nullable ConcurrentSkipListMap<Long, Pending> outstanding;

		void publish(List<Outgoing> messages, List<Pending> pending) throws IOException {
			this.lock.lock();
			try {
				if (this.channel == null || !this.channel.isOpen()) {
					open();
				}
				for (Outgoing message : messages) {
					Pending one = new Pending(message);
					long sequence = this.channel.getNextPublishSeqNo();
					this.outstanding.put(sequence, one);
					pending.add(one);
					this.channel.basicPublish(ConfirmPublisher.this.exchange, message.routingKey(), true,
							message.properties(), message.body());
				}
			}
			finally {
				this.lock.unlock();
			}
		}

		/** Drops what a finished publish left outstanding (it failed or timed out). */
		void forget(List<Pending> pending) {
			ConcurrentSkipListMap<Long, Pending> current = this.outstanding;
			if (current == null) {
				return;
			}
			for (Pending one : pending) {
				if (!one.confirmed.isDone()) {
					current.values().remove(one);
				}
			}
		}

		private void open() throws IOException {
			Channel opened = ConfirmPublisher.this.opener.open();
			ConcurrentSkipListMap<Long, Pending> waiting = new ConcurrentSkipListMap<>();
			try {
				opened.confirmSelect();
			}
			catch (IOException | RuntimeException ex) {
				BrokerConnection.closeQuietly(opened);
				throw ex;
			}
			opened.addConfirmListener(new ConfirmListener() {

				@Override
				public void handleAck(long deliveryTag, boolean multiple) {
					settle(waiting, deliveryTag, multiple, null);
				}

				@Override
				public void handleNack(long deliveryTag, boolean multiple) {
					settle(waiting, deliveryTag, multiple, "nacked");
				}

			});
			opened.addReturnListener((ret) -> {
				String id = ret.getProperties().getMessageId();
				for (Pending one : waiting.values()) {
					if (!one.returned && id != null && id.equals(one.message.properties().getMessageId())) {
						one.returned = true;
						return;
					}
				}
			});
			opened.addShutdownListener((cause) -> {
				DriverException failure = new DriverException("RabbitMQ publish failed: the channel closed ("
						+ BrokerConnection.describe(cause) + ")", cause);
				waiting.values().forEach((one) -> one.confirmed.completeExceptionally(failure));
				waiting.clear();
			});
			this.channel = opened;
			this.outstanding = waiting;
		}

		private void settle(ConcurrentSkipListMap<Long, Pending> waiting, long sequence, boolean multiple,
				String refusal) {
			if (!multiple) {
				Pending one = waiting.remove(sequence);
				if (one != null) {
					complete(one, refusal);
				}
				return;
			}
			ConcurrentNavigableMap<Long, Pending> covered = waiting.headMap(sequence, true);
			for (Map.Entry<Long, Pending> entry = covered.pollFirstEntry(); entry != null;
					entry = covered.pollFirstEntry()) {
				complete(entry.getValue(), refusal);
			}
		}

		private void complete(Pending one, String refusal) {
			Outgoing message = one.message;
			if (refusal != null) {
				one.confirmed.completeExceptionally(new DriverException("RabbitMQ refused (" + refusal
						+ ") message " + message.properties().getMessageId() + " published to '"
						+ message.routingKey() + "'"));
			}
			else if (one.returned) {
				one.confirmed.completeExceptionally(new DriverException("RabbitMQ could not route message "
						+ message.properties().getMessageId() + " to '" + message.routingKey() + "' on exchange '"
						+ ConfirmPublisher.this.exchange + "': the queue does not exist (deleted while in use?)"));
			}
			else {
				one.confirmed.complete(null);
			}
		}

		void close() {
			this.lock.lock();
			try {
				BrokerConnection.closeQuietly(this.channel);
			}
			finally {
				this.lock.unlock();
			}
		}

	}

}
