package io.asynctasq.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when a test moves it: the in-memory driver reads it for when delayed tasks and
 * retries fall due, so {@link #advance(Duration)} makes them due for the next {@link ManualWorker#drain()}.
 * Starts at the time it was created, to the millisecond, in UTC.
 */
public final class TestClock extends Clock {

	private final Instant start;

	private final AtomicReference<Instant> now;

	/** A clock at the current time. */
	public TestClock() {
		this(Instant.now().truncatedTo(ChronoUnit.MILLIS));
	}

	/** A clock at {@code start}. */
	public TestClock(Instant start) {
		this.start = Objects.requireNonNull(start, "start");
		this.now = new AtomicReference<>(start);
	}

	@Override
	public Instant instant() {
		return this.now.get();
	}

	/** Moves the clock forward by {@code duration}; returns the new time. */
	public Instant advance(Duration duration) {
		if (duration.isNegative()) {
			throw new IllegalArgumentException("A test clock moves forward, not by " + duration);
		}
		return this.now.updateAndGet((instant) -> instant.plus(duration));
	}

	/** Sets the clock to {@code instant}. */
	public void set(Instant instant) {
		this.now.set(Objects.requireNonNull(instant, "instant"));
	}

	/** Sets the clock back to the time it started at (between tests). */
	public void reset() {
		this.now.set(this.start);
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	/** This clock's time, seen in {@code zone}. */
	@Override
	public Clock withZone(ZoneId zone) {
		TestClock source = this;
		return new Clock() {

			@Override
			public Instant instant() {
				return source.instant();
			}

			@Override
			public ZoneId getZone() {
				return zone;
			}

			@Override
			public Clock withZone(ZoneId other) {
				return source.withZone(other);
			}

		};
	}

	@Override
	public String toString() {
		return "TestClock[" + instant() + "]";
	}

}
