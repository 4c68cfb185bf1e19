package io.asynctasq.events.redis;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.TaskEvent;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Publishes every task and worker event as JSON to a Redis Pub/Sub channel (by default
 * {@code asynctasq:events}), after handing it to a delegate. Fire-and-forget: subscribers not connected miss
 * events, and a failed publish is logged without disturbing the task. The message format is in
 * {@code docs/redis.md}.
 */
public class RedisEventPublisher implements AsyncTasqEventListener {

	private final RedisConnectionFactory connectionFactory;

	private final byte[] channel;

	private final AsyncTasqEventListener delegate;

	private final JsonMapper mapper = JsonMapper.builder().build();

	/**
	 * @param connectionFactory the application's factory
	 * @param channel the Pub/Sub channel
	 * @param delegate receives each event first ({@link AsyncTasqEventListener#NONE} for none)
	 */
	public RedisEventPublisher(RedisConnectionFactory connectionFactory, String channel,
			AsyncTasqEventListener delegate) {
		this.connectionFactory = connectionFactory;
		this.channel = channel.getBytes(StandardCharsets.UTF_8);
		this.delegate = delegate;
	}

	@Override
	public void onEvent(AsyncTasqEvent event) {
		AsyncTasqEventListener.deliver(this.delegate, event);
		byte[] json = this.mapper.writeValueAsBytes(toMap(event));
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.publish(this.channel, json);
		}
	}

	/** The event as the JSON object published. */
	static Map<String, Object> toMap(AsyncTasqEvent event) {
		Map<String, Object> map = new LinkedHashMap<>();
		String kind = (event instanceof TaskEvent) ? "task_" : "worker_";
		map.put("type", kind + snakeCase(event.getClass().getSimpleName()));
		for (RecordComponent component : event.getClass().getRecordComponents()) {
			Object value;
			try {
				value = component.getAccessor().invoke(event);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException(ex);
			}
			String name = component.getName();
			if (value instanceof Duration duration) {
				map.put(name + "Millis", duration.toMillis());
			}
			else if (value instanceof Instant instant) {
				map.put(name, instant.toString());
			}
			else if (value instanceof Throwable error) {
				Map<String, Object> described = new LinkedHashMap<>();
				described.put("class", error.getClass().getName());
				described.put("message", error.getMessage());
				map.put(name, described);
			}
			else {
				map.put(name, value);
			}
		}
		return map;
	}

	private static String snakeCase(String name) {
		return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
	}

}
