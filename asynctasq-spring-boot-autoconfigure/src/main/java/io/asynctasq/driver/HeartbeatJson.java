package io.asynctasq.driver;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON form of a {@link WorkerHeartbeat}, for drivers that store heartbeats as text:
 * {@code {"v":1,"id":..,"host":..,"pid":..,"queues":[..],"concurrency":..,"busy":..,"processed":..,"failed":..,
 * "startedAt":"<ISO-8601>","lastBeat":"<ISO-8601>","version":..}}. Fields it does not know are ignored, so a
 * newer library may add some.
 */
public final class HeartbeatJson {

	private static final Logger logger = LoggerFactory.getLogger(HeartbeatJson.class);

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private HeartbeatJson() {
	}

	/** The heartbeat as one JSON object. */
	public static String toJson(WorkerHeartbeat heartbeat) {
		ObjectNode node = mapper.createObjectNode();
		node.put("v", 1);
		node.put("id", heartbeat.workerId());
		node.put("host", heartbeat.host());
		node.put("pid", heartbeat.pid());
		heartbeat.queues().forEach(node.putArray("queues")::add);
		node.put("concurrency", heartbeat.concurrency());
		node.put("busy", heartbeat.busy());
		node.put("processed", heartbeat.processed());
		node.put("failed", heartbeat.failed());
		node.put("startedAt", heartbeat.startedAt().toString());
		node.put("lastBeat", heartbeat.lastBeat().toString());
		node.put("version", heartbeat.version());
		return mapper.writeValueAsString(node);
	}

	/**
	 * Reads what {@link #toJson} wrote.
	 * @throws IllegalArgumentException when the text is not a heartbeat
	 */
	public static WorkerHeartbeat fromJson(String json) {
		try {
			JsonNode node = mapper.readTree(json);
			if (node == null || !node.isObject()) {
				throw new IllegalArgumentException("not a JSON object");
			}
			List<String> queues = new ArrayList<>();
			JsonNode array = required(node, "queues");
			if (!array.isArray()) {
				throw new IllegalArgumentException("queues is not an array");
			}
			array.forEach((queue) -> queues.add(text(queue, "queues")));
			return new WorkerHeartbeat(text(required(node, "id"), "id"), text(required(node, "host"), "host"),
					number(node, "pid"), queues, Math.toIntExact(number(node, "concurrency")),
					Math.toIntExact(number(node, "busy")), number(node, "processed"), number(node, "failed"),
					Instant.parse(text(required(node, "startedAt"), "startedAt")),
					Instant.parse(text(required(node, "lastBeat"), "lastBeat")),
					text(required(node, "version"), "version"));
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("not JSON: " + ex.getOriginalMessage(), ex);
		}
		catch (RuntimeException ex) {
			if (ex instanceof IllegalArgumentException) {
				throw ex;
			}
			throw new IllegalArgumentException(ex.getMessage(), ex);
		}
	}

	/**
	 * The heartbeat {@code json} holds, or empty (with a warning naming {@code where} it was stored) when it is
	 * not one: an unreadable heartbeat never fails a listing.
	 */
	public static Optional<WorkerHeartbeat> read(String json, String where) {
		try {
			return Optional.of(fromJson(json));
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Skipped the unreadable worker heartbeat {}: {}", where, ex.getMessage());
			return Optional.empty();
		}
	}

	private static JsonNode required(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			throw new IllegalArgumentException(field + " is missing");
		}
		return value;
	}

	private static String text(JsonNode value, String field) {
		if (!value.isString()) {
			throw new IllegalArgumentException(field + " is not text");
		}
		return value.stringValue();
	}

	private static long number(JsonNode node, String field) {
		JsonNode value = required(node, field);
		if (!value.isIntegralNumber() || !value.canConvertToLong()) {
			throw new IllegalArgumentException(field + " is not a whole number");
		}
		return value.longValue();
	}

}
