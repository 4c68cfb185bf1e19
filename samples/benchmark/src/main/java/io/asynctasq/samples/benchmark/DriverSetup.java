package io.asynctasq.samples.benchmark;

import java.util.OptionalDouble;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;

/** How the benchmark creates each driver against the local servers, and what it reports of it. */
interface DriverSetup extends AutoCloseable {

	/** The row label. */
	String label();

	/** Versions of the backend and its client, for the report header. */
	String versions();

	QueueDriver createDriver();

	/**
	 * The backend's own limit for {@code tasks} no-op tasks ({@link RawLimit}), in tasks per second; empty
	 * where the benchmark has no raw loop for it.
	 */
	default OptionalDouble rawLimit(int tasks) throws Exception {
		return OptionalDouble.empty();
	}

	/** Called with every queue a run uses, so {@link #close()} can delete what the backend keeps per queue. */
	default void queueUsed(String queue) {
	}

	/** Releases what {@link #createDriver()} needed beyond the driver (connection factories, pools). */
	@Override
	default void close() {
	}

	static DriverSetup forName(String name) {
		return switch (name) {
			case "memory" -> new DriverSetup() {

				@Override
				public String label() {
					return "memory";
				}

				@Override
				public String versions() {
					return "in-process";
				}

				@Override
				public QueueDriver createDriver() {
					return new MemoryDriver();
				}

			};
			case "redis" -> new RedisSetup();
			case "rabbitmq" -> new RabbitSetup();
			case "postgresql" -> JdbcSetup.postgres();
			case "mariadb" -> JdbcSetup.mariadb();
			case "sqs" -> new SqsSetup();
			default -> throw new IllegalArgumentException("Unknown driver " + name);
		};
	}

}
