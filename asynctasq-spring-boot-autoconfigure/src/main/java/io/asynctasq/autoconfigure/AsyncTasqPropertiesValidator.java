package io.asynctasq.autoconfigure;

import java.time.Duration;
import java.util.function.UnaryOperator;

import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.QueueNames;
import io.asynctasq.driver.jdbc.JdbcDriverOptions;
import io.asynctasq.driver.redis.RedisDriver;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.PriorityOrdered;
import org.springframework.util.unit.DataSize;

/**
 * Checks every AsyncTasQ properties object as soon as it is bound, whichever beans use it: a value out of
 * range stops startup with an {@link InvalidAsyncTasqPropertyException} naming the property, what it
 * accepts and the fix. The properties classes themselves only hold values.
 */
final class AsyncTasqPropertiesValidator implements BeanPostProcessor, PriorityOrdered {

	/** Just after Spring Boot's binding post-processor ({@code HIGHEST_PRECEDENCE + 1}) has bound the values. */
	private static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 2;

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof AsyncTasqProperties properties) {
			validate(properties);
		}
		else if (bean instanceof AsyncTasqDispatchProperties dispatch) {
			validate(dispatch);
		}
		else if (bean instanceof AsyncTasqHealthProperties health) {
			validate(health);
		}
		else if (bean instanceof AsyncTasqResultsProperties results) {
			validate(results);
		}
		else if (bean instanceof AsyncTasqRedisProperties redis) {
			validate(redis);
		}
		else if (bean instanceof AsyncTasqRabbitProperties rabbit) {
			validate(rabbit);
		}
		else if (bean instanceof AsyncTasqJdbcProperties jdbc) {
			validate(jdbc);
		}
		return bean;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	static void validate(AsyncTasqProperties properties) {
		validName("asynctasq.default-queue", properties.getDefaultQueue(), QueueNames::validate, "default");
		AsyncTasqProperties.TaskDefaults defaults = properties.getTaskDefaults();
		atLeastOne("asynctasq.task-defaults.max-attempts", defaults.getMaxAttempts(), "it counts the first attempt");
		zeroOrPositive("asynctasq.task-defaults.timeout", defaults.getTimeout(), "30s");
		zeroOrPositive("asynctasq.task-defaults.retry-delay", defaults.getRetryDelay(), "30s");
		zeroOrPositive("asynctasq.task-defaults.max-retry-delay", defaults.getMaxRetryDelay(), "30s");
		if (!(defaults.getJitter() >= 0 && defaults.getJitter() <= 1)) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.task-defaults.jitter", defaults.getJitter(),
					"must be between 0 and 1 (a fraction of the retry delay)",
					"Set asynctasq.task-defaults.jitter to a fraction between 0 and 1, such as 0.1, or remove it to "
							+ "use the default.");
		}
		positive("asynctasq.task-defaults.visibility-timeout", defaults.getVisibilityTimeout(), "60s");
		AsyncTasqProperties.Worker worker = properties.getWorker();
		for (String queue : worker.getQueues()) {
			validName("asynctasq.worker.queues", queue, QueueNames::validate, "default");
		}
		atLeastOne("asynctasq.worker.concurrency", worker.getConcurrency(),
				"the maximum number of tasks running at once");
		if (worker.getCpuThreads() != null) {
			atLeastOne("asynctasq.worker.cpu-threads", worker.getCpuThreads(),
					"the threads of the executor for CPU-bound tasks");
		}
		if (worker.getPrefetch() != null && worker.getPrefetch() < 0) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.worker.prefetch", worker.getPrefetch(),
					"must be zero or more (tasks reserved ahead of a free thread)",
					"Set asynctasq.worker.prefetch to 0 or more, or remove it to prefetch as many tasks as "
							+ "asynctasq.worker.concurrency.");
		}
		zeroOrPositive("asynctasq.worker.shutdown-timeout", worker.getShutdownTimeout(), "30s");
		positive("asynctasq.worker.poll-interval", worker.getPollInterval(), "1s");
		positive("asynctasq.worker.heartbeat-interval", worker.getHeartbeatInterval(), "30s");
		zeroOrPositive("asynctasq.worker.unknown-task-grace", worker.getUnknownTaskGrace(), "1h");
		Duration retention = properties.getDeadLetter().getRetention();
		if (retention != null && (retention.isZero() || retention.isNegative())) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.dead-letter.retention", retention,
					"must be a positive duration, e.g. 14d", "Set asynctasq.dead-letter.retention to a positive "
							+ "duration such as 14d, or remove it to keep dead letters until they are retried or deleted.");
		}
	}

	static void validate(AsyncTasqDispatchProperties dispatch) {
		positive("asynctasq.dispatch.timeout", dispatch.getTimeout(), "5s");
		DataSize size = dispatch.getMaxPayloadSize();
		if (size == null || size.toBytes() < 1) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.dispatch.max-payload-size", size,
					"must be a positive size, e.g. 1MB",
					"Set asynctasq.dispatch.max-payload-size to a positive size such as 1MB, or remove it to use the "
							+ "default.");
		}
	}

	static void validate(AsyncTasqResultsProperties results) {
		positive("asynctasq.results.ttl", results.getTtl(), "24h");
		if (results.getTtl().compareTo(QueueDriver.MAX_DELAY) > 0) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.results.ttl", results.getTtl(),
					"must be at most " + QueueDriver.MAX_DELAY.toDays() + " days",
					"Set asynctasq.results.ttl to a shorter duration such as 24h, or remove it to use the default.");
		}
	}

	static void validate(AsyncTasqHealthProperties health) {
		positive("asynctasq.health.timeout", health.getTimeout(), "2s");
		Duration countsRefresh = health.getCountsRefresh();
		if (countsRefresh == null || countsRefresh.isNegative()) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.health.counts-refresh", countsRefresh,
					"must be zero (no counts) or a positive duration, e.g. 10s",
					"Set asynctasq.health.counts-refresh to 0 to leave queue counts out of health details, or to a "
							+ "positive duration such as 10s.");
		}
	}

	static void validate(AsyncTasqRedisProperties redis) {
		validName("asynctasq.redis.key-prefix", redis.getKeyPrefix(), RedisDriver::validateKeyPrefix, "asynctasq");
		String clientName = redis.getClientName();
		if (clientName == null || clientName.isBlank() || clientName.chars().anyMatch(Character::isWhitespace)) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.redis.client-name", clientName,
					"must be a name without spaces, e.g. orders-worker",
					"Set asynctasq.redis.client-name to a name without spaces such as orders-worker, or remove it "
							+ "to use the default.");
		}
		String channel = redis.getEvents().getChannel();
		if (channel == null || channel.isBlank()) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.redis.events.channel", channel,
					"must not be empty, e.g. asynctasq:events",
					"Set asynctasq.redis.events.channel to a Pub/Sub channel name such as asynctasq:events, or "
							+ "remove it to use the default.");
		}
	}

	static void validate(AsyncTasqRabbitProperties rabbit) {
		if (rabbit.getPrefetch() < 0) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.rabbitmq.prefetch", rabbit.getPrefetch(),
					"must be 0 (the worker's concurrency, at least 10) or a positive number",
					"Set asynctasq.rabbitmq.prefetch to 0 or a positive number of deliveries, or remove it.");
		}
		positive("asynctasq.rabbitmq.confirm-timeout", rabbit.getConfirmTimeout(), "10s");
	}

	static void validate(AsyncTasqJdbcProperties jdbc) {
		validName("asynctasq.jdbc.table-prefix", jdbc.getTablePrefix(), JdbcDriverOptions::validateTablePrefix,
				JdbcDriverOptions.DEFAULT_TABLE_PREFIX);
		positive("asynctasq.jdbc.poll-backoff-min", jdbc.getPollBackoffMin(), "10ms");
		positive("asynctasq.jdbc.poll-backoff-max", jdbc.getPollBackoffMax(), "1s");
		if (jdbc.getPollBackoffMax().compareTo(jdbc.getPollBackoffMin()) < 0) {
			throw new InvalidAsyncTasqPropertyException("asynctasq.jdbc.poll-backoff-max", jdbc.getPollBackoffMax(),
					"must not be shorter than asynctasq.jdbc.poll-backoff-min (" + jdbc.getPollBackoffMin() + ")",
					"Set asynctasq.jdbc.poll-backoff-max to at least asynctasq.jdbc.poll-backoff-min.");
		}
	}

	private static void atLeastOne(String property, int value, String meaning) {
		if (value < 1) {
			throw new InvalidAsyncTasqPropertyException(property, value, "must be at least 1 (" + meaning + ")",
					"Set " + property + " to 1 or more, or remove it to use the default.");
		}
	}

	private static void positive(String property, Duration value, String example) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new InvalidAsyncTasqPropertyException(property, value, "must be a positive duration, e.g. " + example,
					"Set " + property + " to a positive duration such as " + example
							+ ", or remove it to use the default.");
		}
	}

	private static void zeroOrPositive(String property, Duration value, String example) {
		if (value == null || value.isNegative()) {
			throw new InvalidAsyncTasqPropertyException(property, value,
					"must be zero or a positive duration, e.g. " + example, "Set " + property
							+ " to 0 or a positive duration such as " + example + ", or remove it to use the default.");
		}
	}

	/** Checks a name with {@code check}, whose exception message says what it accepts. */
	private static void validName(String property, String value, UnaryOperator<String> check, String example) {
		try {
			check.apply(value);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidAsyncTasqPropertyException(property, value, ex.getMessage(),
					"Set " + property + " to a valid name such as '" + example + "', or remove it to use the default.");
		}
	}

}
