package io.asynctasq.codec;

import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskParameter;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encodes tasks as JSON and decodes them. Arguments are decoded only into the declared parameter
 * types of the registered task: no type information travels in the payload, no polymorphic default
 * typing, no Java serialization.
 */
public class PayloadCodec {

	private static final int FORMAT_VERSION = 1;

	private final JsonMapper mapper;

	private final ObjectReader envelopeReader;

	private final Map<Type, ObjectReader> argumentReaders = new ConcurrentHashMap<>();

	/**
	 * A codec with its own mapper. Before Java 21 every thread is a platform thread, so buffers are recycled
	 * per thread, which does not contend; from Java 21 tasks may run on virtual threads, which a per-thread
	 * pool would not serve, so Jackson's shared default pool is kept.
	 */
	public PayloadCodec() {
		this(JsonMapper.builder(JsonFactory.builder()
			.recyclerPool((Runtime.version().feature() < 21) ? JsonRecyclerPools.threadLocalPool()
					: JsonRecyclerPools.defaultPool())
			.build()).build());
	}

	/** @param mapper the mapper for argument values; it must not enable default typing */
	public PayloadCodec(JsonMapper mapper) {
		this.mapper = mapper;
		// decimals kept exact in the tree (not parsed as double): arguments are decoded from it later
		this.envelopeReader = mapper.reader()
			.with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
			.without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
	}

	/**
	 * Encodes the arguments of a dispatch.
	 * @throws IllegalArgumentException naming the argument that cannot be written as JSON
	 */
	public ArrayNode encodeArguments(String taskName, Object[] args) {
		ArrayNode array = this.mapper.createArrayNode();
		for (int i = 0; i < args.length; i++) {
			try {
				array.add(this.mapper.valueToTree(args[i]));
			}
			catch (JacksonException ex) {
				throw new IllegalArgumentException("Task '" + taskName + "': argument " + (i + 1) + " of type "
						+ args[i].getClass().getName() + " cannot be written as JSON: " + ex.getOriginalMessage(), ex);
			}
		}
		return array;
	}

	public byte[] encode(TaskEnvelope envelope) {
		ObjectNode root = this.mapper.createObjectNode();
		root.put("v", FORMAT_VERSION);
		root.put("task", envelope.taskName());
		root.set("args", envelope.args());
		root.put("dispatchedAt", envelope.dispatchedAt().toString());
		putIfSet(root, "maxAttempts", envelope.maxAttempts());
		putIfSet(root, "timeoutMs", envelope.timeout());
		putIfSet(root, "retryDelayMs", envelope.retryDelay());
		putIfSet(root, "visibilityTimeoutMs", envelope.visibilityTimeout());
		return this.mapper.writeValueAsBytes(root);
	}

	/**
	 * Decodes a message body.
	 * @throws UndecodableTaskException when it is not a task envelope
	 */
	public TaskEnvelope decode(byte[] body) {
		JsonNode root;
		try {
			root = this.envelopeReader.readTree(body);
		}
		catch (JacksonException ex) {
			throw new UndecodableTaskException("payload is not JSON: " + ex.getOriginalMessage(), ex);
		}
		if (root == null || !root.isObject() || !root.path("task").isString() || !root.path("args").isArray()
				|| !root.path("dispatchedAt").isString()) {
			throw new UndecodableTaskException("payload is not an AsyncTasQ task (needs 'task', 'args', "
					+ "'dispatchedAt')");
		}
		try {
			TaskEnvelope envelope = new TaskEnvelope(root.get("task").asString(), root.get("args"),
					Instant.parse(root.get("dispatchedAt").asString()), intOrNull(root, "maxAttempts"),
					durationOrNull(root, "timeoutMs"), durationOrNull(root, "retryDelayMs"),
					durationOrNull(root, "visibilityTimeoutMs"));
			// options from a message are checked like options given at dispatch
			envelope.options().checked();
			return envelope;
		}
		catch (RuntimeException ex) {
			throw new UndecodableTaskException("payload has an invalid field: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Decodes the arguments into the task's declared parameter types.
	 * @throws UndecodableTaskException naming the parameter that does not match
	 */
	public Object[] decodeArguments(TaskDefinition task, JsonNode args) {
		List<TaskParameter> parameters = task.parameters();
		if (args.size() != parameters.size()) {
			throw new UndecodableTaskException("task '" + task.name() + "' takes " + parameters.size()
					+ " argument(s) but the payload has " + args.size());
		}
		Object[] values = new Object[parameters.size()];
		for (TaskParameter parameter : parameters) {
			JsonNode value = args.get(parameter.position());
			try {
				// read from the argument's JSON text, exactly as it was written at dispatch: a BigDecimal keeps
				// its digits, an untyped number is what plain JSON gives, a null Optional is empty
				values[parameter.position()] = readerFor(parameter.type())
					.readValue(this.mapper.writeValueAsBytes(value));
			}
			catch (JacksonException | IllegalArgumentException ex) {
				throw new UndecodableTaskException("task '" + task.name() + "': " + parameter.describe()
						+ " cannot be read from " + abbreviate(value.toString()) + ": "
						+ ((ex instanceof JacksonException jackson) ? jackson.getOriginalMessage() : ex.getMessage()),
						ex);
			}
		}
		return values;
	}

	/** Readers are immutable and cost a type resolution to build: one per parameter type. */
	private ObjectReader readerFor(Type type) {
		return this.argumentReaders.computeIfAbsent(type,
				(key) -> this.mapper.readerFor(this.mapper.getTypeFactory().constructType(key)));
	}

	private static void putIfSet(ObjectNode root, String field, @Nullable Object value) {
		if (value instanceof Integer number) {
			root.put(field, number);
		}
		else if (value instanceof Duration duration) {
			root.put(field, duration.toMillis());
		}
	}

	private static @Nullable Integer intOrNull(JsonNode root, String field) {
		JsonNode node = root.get(field);
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isIntegralNumber() || !node.canConvertToInt()) {
			throw new IllegalArgumentException(field + " is not a whole number in range: " + abbreviate(node.toString()));
		}
		return node.intValue();
	}

	private static @Nullable Duration durationOrNull(JsonNode root, String field) {
		JsonNode node = root.get(field);
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isIntegralNumber() || !node.canConvertToLong()) {
			throw new IllegalArgumentException(field + " is not a whole number of milliseconds in range: "
					+ abbreviate(node.toString()));
		}
		return Duration.ofMillis(node.longValue());
	}

	private static String abbreviate(String text) {
		return (text.length() <= 200) ? text : text.substring(0, 200) + "...";
	}

}
