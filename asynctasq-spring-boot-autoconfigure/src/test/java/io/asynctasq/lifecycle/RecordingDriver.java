package io.asynctasq.lifecycle;

import java.time.Duration;
import java.util.List;

import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.driver.memory.MemoryDriver;

/**
 * A driver bean delegating to a {@link MemoryDriver} the test keeps: its {@code close()} only records
 * when it was called (optionally failing), so the queues can be inspected after the context closed.
 */
final class RecordingDriver implements QueueDriver {

	private final MemoryDriver delegate;

	private final List<String> timeline;

	private final boolean failOnClose;

	RecordingDriver(MemoryDriver delegate, List<String> timeline, boolean failOnClose) {
		this.delegate = delegate;
		this.timeline = timeline;
		this.failOnClose = failOnClose;
	}

	@Override
	public String name() {
		return "recording";
	}

	@Override
	public void enqueueAll(List<TaskMessage> messages, Duration delay) {
		this.delegate.enqueueAll(messages, delay);
	}

	@Override
	public List<Reservation> reserve(List<String> queues, int max, Duration lease, Duration wait)
			throws InterruptedException {
		return this.delegate.reserve(queues, max, lease, wait);
	}

	@Override
	public boolean acknowledge(Reservation reservation) {
		return this.delegate.acknowledge(reservation);
	}

	@Override
	public boolean retry(Reservation reservation, Duration delay) {
		return this.delegate.retry(reservation, delay);
	}

	@Override
	public boolean release(Reservation reservation) {
		return this.delegate.release(reservation);
	}

	@Override
	public boolean postpone(Reservation reservation, java.time.Duration delay) {
		return this.delegate.postpone(reservation, delay);
	}

	@Override
	public boolean deadLetter(Reservation reservation, DeadLetter.Failure failure) {
		return this.delegate.deadLetter(reservation, failure);
	}

	@Override
	public boolean extendLease(Reservation reservation, Duration lease) {
		return this.delegate.extendLease(reservation, lease);
	}

	@Override
	public QueueCounts counts(String queue) {
		return this.delegate.counts(queue);
	}

	@Override
	public List<DeadLetter> deadLetters(String queue, int offset, int limit) {
		return this.delegate.deadLetters(queue, offset, limit);
	}

	@Override
	public boolean retryDeadLetter(String queue, String taskId) {
		return this.delegate.retryDeadLetter(queue, taskId);
	}

	@Override
	public long purgeDeadLetters(String queue) {
		return this.delegate.purgeDeadLetters(queue);
	}

	@Override
	public long expireDeadLetters(String queue, Duration retention, int max) {
		return this.delegate.expireDeadLetters(queue, retention, max);
	}

	@Override
	public boolean expiresDeadLettersItself() {
		return this.delegate.expiresDeadLettersItself();
	}

	@Override
	public void ping() {
		this.delegate.ping();
	}

	@Override
	public void close() {
		this.timeline.add("driver closed");
		if (this.failOnClose) {
			throw new IllegalStateException("driver close failed on purpose");
		}
	}

}
