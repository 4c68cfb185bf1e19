package io.asynctasq.driver;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one text form of a {@link TaskResult}, for drivers that store results as text (Redis, JDBC): a JSON
 * object {@code {"v":1,"taskId":..,"taskName":..,"queue":..,"outcome":"SUCCEEDED","attempts":1,
 * "startedAt":"<ISO-8601>","finishedAt":"<ISO-8601>","valueJson":"<the value's JSON, as a string>",
 * "errorClass":..,"errorMessage":..}}, the last three left out when absent. The value travels as a string, so
 * its JSON comes back exactly as the worker wrote it.
 */
public final class TaskResultJson {

	/** Version of the form, {@code "v"}. */
	public static final int VERSION = 1;

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private TaskResultJson() {
	}

	/** {@code result} as one JSON object. */
	public static String write(TaskResult result) {
		ObjectNode node = MAPPER.createObjectNode();
		node.put("v", VERSION);
		node.put("taskId", result.taskId());
		node.put("taskName", result.taskName());
		node.put("queue", result.queue());
		node.put("outcome", result.outcome().name());
		node.put("attempts", result.attempts());
		node.put("startedAt", result.startedAt().toString());
		node.put("finishedAt", result.finishedAt().toString());
		putIfSet(node, "valueJson", result.valueJson());
		putIfSet(node, "errorClass", result.errorClass());
		putIfSet(node, "errorMessage", result.errorMessage());
		return MAPPER.writeValueAsString(node);
	}

	/**
	 * The result {@link #write} wrote.
	 * @throws IllegalArgumentException when {@code json} is not that form (written by something else)
	 */
	public static TaskResult read(String json) {
		try {
			JsonNode node = MAPPER.readTree(json);
			if (node == null || !node.isObject() || node.path("v").asInt(0) != VERSION) {
				throw new IllegalArgumentException("Not a task result of version " + VERSION);
			}
			return new TaskResult(required(node, "taskId"), required(node, "taskName"), required(node, "queue"),
					TaskResult.Outcome.valueOf(required(node, "outcome")), node.path("attempts").asInt(0),
					Instant.parse(required(node, "startedAt")), Instant.parse(required(node, "finishedAt")),
					optional(node, "valueJson"), optional(node, "errorClass"), optional(node, "errorMessage"));
		}
		catch (JacksonException | DateTimeParseException ex) {
			throw new IllegalArgumentException("Not a stored task result: " + ex.getMessage(), ex);
		}
	}

	private static void putIfSet(ObjectNode node, String field, @Nullable String value) {
		if (value != null) {
			node.put(field, value);
		}
	}

	private static String required(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isString()) {
			throw new IllegalArgumentException("A stored task result without '" + field + "'");
		}
		return value.asString();
	}

	private static @Nullable String optional(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && value.isString()) ? value.asString() : null;
	}

}
