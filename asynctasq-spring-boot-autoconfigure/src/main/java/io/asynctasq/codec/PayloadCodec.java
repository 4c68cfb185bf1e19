package io.asynctasq.codec;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskParameter;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonParser.NumberType;
import tools.jackson.core.JsonToken;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

/**
 * Encodes tasks as JSON and decodes them. Arguments are decoded only into the declared parameter
 * types of the registered task: no type information travels in the payload, no polymorphic default
 * typing, no Java serialization.
 */
public class PayloadCodec {

	private static final byte[] HEAD = "{\"v\":1,\"task\":\"".getBytes(StandardCharsets.ISO_8859_1);

	private static final byte[] ARGS = "\",\"args\":".getBytes(StandardCharsets.ISO_8859_1);

	private static final byte[] DISPATCHED_AT = ",\"dispatchedAt\":\"".getBytes(StandardCharsets.ISO_8859_1);

	private static final JsonStringEncoder QUOTER = JsonStringEncoder.getInstance();

	private final JsonMapper mapper;

	private final ObjectReader treeReader;

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

	/**
	 * A codec on a copy of {@code applicationMapper}'s configuration (its modules, serializers, naming strategy and
	 * features), with default typing switched off and every type named by class in a payload refused, whatever
	 * the application's mapper allows: arguments still decode only into the declared parameter types.
	 */
	public static PayloadCodec basedOn(JsonMapper applicationMapper) {
		return new PayloadCodec(applicationMapper.rebuild()
			.deactivateDefaultTyping()
			.polymorphicTypeValidator(BasicPolymorphicTypeValidator.builder().build())
			.build());
	}

	/** @param mapper the mapper for argument values; it must not enable default typing */
	public PayloadCodec(JsonMapper mapper) {
		this.mapper = mapper;
		this.treeReader = mapper.reader()
			.with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
			.without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
	}

	/**
	 * Encodes the arguments of a dispatch.
	 * @throws IllegalArgumentException naming the argument that cannot be written as JSON
	 */
	public JsonArguments encodeArguments(String taskName, Object[] args) {
		try {
			return JsonArguments.of(this.mapper.writeValueAsBytes(args));
		}
		catch (JacksonException ex) {
			for (int i = 0; i < args.length; i++) {
				try {
					this.mapper.writeValueAsBytes(args[i]);
				}
				catch (JacksonException argument) {
					throw new IllegalArgumentException("Task '" + taskName + "': argument " + (i + 1) + " of type "
							+ args[i].getClass().getName() + " cannot be written as JSON: "
							+ argument.getOriginalMessage(), argument);
				}
			}
			throw new IllegalArgumentException("Task '" + taskName + "': its arguments cannot be written as JSON: "
					+ ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Encodes a task's return value as JSON text, with the mapper that encodes arguments.
	 * @throws IllegalArgumentException when the value cannot be written as JSON
	 */
	public String encodeValue(@Nullable Object value) {
		try {
			return this.mapper.writeValueAsString(value);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("A value of type " + ((value != null) ? value.getClass().getName() : null)
					+ " cannot be written as JSON: " + ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Writes the envelope as one JSON object, {@code {"v":1,"task":..,"args":[..],"dispatchedAt":".."}}, the
	 * options given at dispatch and its headers ({@code "headers":{"name":"value",..}}, left out when there are
	 * none), around the arguments' bytes as they are.
	 */
	public byte[] encode(TaskEnvelope envelope) {
		byte[] name = QUOTER.quoteAsUTF8(envelope.taskName());
		JsonArguments args = envelope.args();
		String time = IsoInstants.format(envelope.dispatchedAt());
		StringBuilder tail = new StringBuilder(time.length() + 2).append(time).append('"');
		appendIfSet(tail, "maxAttempts", envelope.maxAttempts());
		appendIfSet(tail, "timeoutMs", envelope.timeout());
		appendIfSet(tail, "retryDelayMs", envelope.retryDelay());
		appendIfSet(tail, "visibilityTimeoutMs", envelope.visibilityTimeout());
		appendHeaders(tail, envelope.headers());
		byte[] rest = tail.append('}').toString().getBytes(StandardCharsets.UTF_8);
		byte[] body = new byte[HEAD.length + name.length + ARGS.length + args.length() + DISPATCHED_AT.length
				+ rest.length];
		int at = put(body, 0, HEAD);
		at = put(body, at, name);
		at = put(body, at, ARGS);
		System.arraycopy(args.bytes(), args.offset(), body, at, args.length());
		at += args.length();
		at = put(body, at, DISPATCHED_AT);
		put(body, at, rest);
		return body;
	}

	/**
	 * Decodes a message body in one pass over its bytes; the arguments stay JSON until
	 * {@link #decodeArguments} reads them into the task's parameter types.
	 * @throws UndecodableTaskException when it is not a task envelope
	 */
	public TaskEnvelope decode(byte[] body) {
		return read(body, null).envelope();
	}

	/**
	 * Decodes a message body for the worker, in one pass over its bytes when it can: the envelope, the task
	 * {@code tasks} knows by its name, and that task's arguments read straight into their declared types.
	 * @param tasks the task of a name, or {@code null} when there is none of that name here
	 * @throws UndecodableTaskException when it is not a task envelope
	 */
	public DecodedTask decodeTask(byte[] body, Function<String, @Nullable TaskDefinition> tasks) {
		try {
			return read(body, tasks);
		}
		catch (ArgumentsNotRead ex) {
			// the arguments do not fit (or the JSON breaks inside them): decoded again, to say precisely why
			TaskEnvelope envelope = decode(body);
			TaskDefinition task = tasks.apply(envelope.taskName());
			if (task == null) {
				return new DecodedTask(envelope, null, null, null);
			}
			try {
				return new DecodedTask(envelope, task, decodeArguments(task, envelope.args()), null);
			}
			catch (UndecodableTaskException argumentError) {
				return new DecodedTask(envelope, task, null, argumentError);
			}
		}
	}

	/**
	 * A message body decoded for the worker.
	 * @param envelope the envelope
	 * @param task the task of its name, or {@code null} when there is none here
	 * @param arguments the task's arguments, or {@code null} when there is no task or they do not fit it
	 * @param argumentError why the arguments do not fit the task, or {@code null}
	 */
	public record DecodedTask(TaskEnvelope envelope, @Nullable TaskDefinition task, Object @Nullable [] arguments,
			@Nullable UndecodableTaskException argumentError) {
	}

	private DecodedTask read(byte[] body, @Nullable Function<String, @Nullable TaskDefinition> tasks) {
		try (JsonParser parser = this.mapper.createParser(body)) {
			return readEnvelope(parser, body, tasks);
		}
		catch (JacksonException ex) {
			throw new UndecodableTaskException("payload is not JSON: " + ex.getOriginalMessage(), ex);
		}
	}

	private DecodedTask readEnvelope(JsonParser parser, byte[] body,
			@Nullable Function<String, @Nullable TaskDefinition> tasks) {
		if (parser.nextToken() != JsonToken.START_OBJECT) {
			throw notATask();
		}
		String taskName = null;
		TaskDefinition task = null;
		JsonArguments args = null;
		TaskDefinition argumentsTask = null;
		Object[] arguments = null;
		String dispatchedAt = null;
		Object maxAttempts = null;
		Object timeout = null;
		Object retryDelay = null;
		Object visibilityTimeout = null;
		Map<String, String> headers = Map.of();
		while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
			String field = parser.currentName();
			JsonToken value = parser.nextToken();
			switch (field) {
				case "task" -> {
					taskName = stringAt(parser);
					task = (tasks != null && taskName != null) ? tasks.apply(taskName) : null;
				}
				case "args" -> {
					if (value != JsonToken.START_ARRAY) {
						args = skipped(parser);
					}
					else if (task != null) {
						// the task is known: its arguments are read here, with no second pass over them
						int start = (int) parser.currentTokenLocation().getByteOffset();
						arguments = readArgumentsInPlace(parser, task);
						argumentsTask = task;
						args = JsonArguments.of(body, start, (int) parser.currentTokenLocation().getByteOffset() + 1);
					}
					else {
						args = arrayAt(parser, body);
					}
				}
				case "dispatchedAt" -> dispatchedAt = stringAt(parser);
				case "maxAttempts" -> maxAttempts = wholeNumber(parser, field, false);
				case "timeoutMs" -> timeout = wholeNumber(parser, field, true);
				case "retryDelayMs" -> retryDelay = wholeNumber(parser, field, true);
				case "visibilityTimeoutMs" -> visibilityTimeout = wholeNumber(parser, field, true);
				case "headers" -> headers = headersAt(parser);
				default -> parser.skipChildren(); // a field of a newer version, kept for it
			}
		}
		if (parser.nextToken() != null) {
			throw new UndecodableTaskException("payload is not JSON: content after the task's object");
		}
		if (taskName == null || args == null || dispatchedAt == null) {
			throw notATask();
		}
		TaskEnvelope envelope;
		try {
			envelope = new TaskEnvelope(taskName, args, IsoInstants.parse(dispatchedAt), (Integer) valid(maxAttempts),
					millis(valid(timeout)), millis(valid(retryDelay)), millis(valid(visibilityTimeout)), headers);
			if (envelope.hasOptions()) {
				// options from a message are checked like options given at dispatch
				envelope.options().checked();
			}
		}
		catch (RuntimeException ex) {
			throw new UndecodableTaskException("payload has an invalid field: " + ex.getMessage(), ex);
		}
		if (task == null || task == argumentsTask) {
			return new DecodedTask(envelope, task, arguments, null);
		}
		try { // the arguments came before the task's name
			return new DecodedTask(envelope, task, decodeArguments(task, args), null);
		}
		catch (UndecodableTaskException argumentError) {
			return new DecodedTask(envelope, task, null, argumentError);
		}
	}

	/** {@link #readArguments}, any failure a signal to decode again the slow way. */
	private Object[] readArgumentsInPlace(JsonParser parser, TaskDefinition task) {
		try {
			return readArguments(parser, task);
		}
		catch (RuntimeException ex) {
			throw new ArgumentsNotRead();
		}
	}

	/**
	 * Decodes the arguments into the task's declared parameter types, each read straight from its JSON text
	 * as it was written at dispatch: a BigDecimal keeps its digits, an untyped number is what plain JSON gives,
	 * a null Optional is empty.
	 * @throws UndecodableTaskException naming the parameter that does not match
	 */
	public Object[] decodeArguments(TaskDefinition task, JsonArguments args) {
		try (JsonParser parser = this.mapper.createParser(args.bytes(), args.offset(), args.length())) {
			parser.nextToken(); // the array's start: decode took only an array
			return readArguments(parser, task);
		}
		catch (JacksonException | IllegalArgumentException | ArgumentsNotRead ex) {
			throw undecodable(task, args, ex);
		}
	}

	/** The task's arguments from the array whose start the parser is on; the parser ends on its end. */
	private Object[] readArguments(JsonParser parser, TaskDefinition task) {
		List<TaskParameter> parameters = task.parameters();
		Object[] values = new Object[parameters.size()];
		for (TaskParameter parameter : parameters) {
			if (parser.nextToken() == JsonToken.END_ARRAY) {
				throw new ArgumentsNotRead();
			}
			values[parameter.position()] = readerFor(parameter.type()).readValue(parser);
		}
		if (parser.nextToken() != JsonToken.END_ARRAY) {
			throw new ArgumentsNotRead();
		}
		return values;
	}

	/** Arguments that did not fit the task's parameters; why is worked out again from their text. */
	private static final class ArgumentsNotRead extends RuntimeException {

		ArgumentsNotRead() {
			super(null, null, false, false);
		}

	}

	/** The string the parser is on, or {@code null} when it is on another value, which it skips. */
	private static @Nullable String stringAt(JsonParser parser) {
		return (parser.currentToken() == JsonToken.VALUE_STRING) ? parser.getString() : skipped(parser);
	}

	private static <T> @Nullable T skipped(JsonParser parser) {
		parser.skipChildren();
		return null;
	}

	/** The array whose start the parser is on, as its bytes; the parser moves to its end. */
	private static JsonArguments arrayAt(JsonParser parser, byte[] body) {
		int start = (int) parser.currentTokenLocation().getByteOffset();
		parser.skipChildren();
		int end = (int) parser.currentTokenLocation().getByteOffset() + 1;
		return JsonArguments.of(body, start, end);
	}

	/**
	 * The whole number the parser is on (an {@code Integer}, or a {@code Long} when {@code wide}), {@code null}
	 * for JSON null, or the reason it is neither as a {@code String}, reported once the envelope is read.
	 */
	private static @Nullable Object wholeNumber(JsonParser parser, String field, boolean wide) {
		JsonToken token = parser.currentToken();
		if (token == JsonToken.VALUE_NULL) {
			return null;
		}
		if (token == JsonToken.VALUE_NUMBER_INT) {
			NumberType type = parser.getNumberType();
			if (type == NumberType.INT) {
				return wide ? (Object) parser.getLongValue() : (Object) parser.getIntValue();
			}
			if (wide && type == NumberType.LONG) {
				return parser.getLongValue();
			}
		}
		String text = token.isScalarValue() ? parser.getString() : (token == JsonToken.START_ARRAY) ? "[...]" : "{...}";
		parser.skipChildren();
		return field + " is not a whole number" + (wide ? " of milliseconds" : "") + " in range: " + abbreviate(text);
	}

	private static @Nullable Object valid(@Nullable Object number) {
		if (number instanceof String problem) {
			throw new IllegalArgumentException(problem);
		}
		return number;
	}

	private static @Nullable Duration millis(@Nullable Object number) {
		return (number != null) ? Duration.ofMillis((Long) number) : null;
	}

	private static UndecodableTaskException notATask() {
		return new UndecodableTaskException("payload is not an AsyncTasQ task (needs 'task', 'args', "
				+ "'dispatchedAt')");
	}

	/**
	 * Why the arguments do not fit: a wrong count, else the first parameter that cannot be read from its
	 * argument's text (as {@link #decodeArguments} reads it).
	 */
	private UndecodableTaskException undecodable(TaskDefinition task, JsonArguments args, RuntimeException cause) {
		JsonNode array = tree(args);
		List<TaskParameter> parameters = task.parameters();
		if (array.size() != parameters.size()) {
			return new UndecodableTaskException("task '" + task.name() + "' takes " + parameters.size()
					+ " argument(s) but the payload has " + array.size(), cause);
		}
		for (TaskParameter parameter : parameters) {
			String text = array.get(parameter.position()).toString();
			try {
				readerFor(parameter.type()).readValue(text);
			}
			catch (JacksonException | IllegalArgumentException ex) {
				return new UndecodableTaskException("task '" + task.name() + "': " + parameter.describe()
						+ " cannot be read from " + abbreviate(text) + ": "
						+ ((ex instanceof JacksonException jackson) ? jackson.getOriginalMessage() : ex.getMessage()),
						ex);
			}
		}
		return new UndecodableTaskException("task '" + task.name() + "': its arguments cannot be read: " + cause,
				cause);
	}

	/** The arguments as a tree, decimals exact; only to describe what could not be decoded. */
	private JsonNode tree(JsonArguments args) {
		return this.treeReader.readTree(args.bytes(), args.offset(), args.length());
	}

	/** Readers are immutable and cost a type resolution to build: one per parameter type. */
	private ObjectReader readerFor(Type type) {
		return this.argumentReaders.computeIfAbsent(type,
				(key) -> this.mapper.readerFor(this.mapper.getTypeFactory().constructType(key))
					// the arguments are read one after the other from one array
					.without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
	}

	private static void appendHeaders(StringBuilder json, Map<String, String> headers) {
		if (headers.isEmpty()) {
			return;
		}
		json.append(",\"headers\":{");
		boolean first = true;
		for (Map.Entry<String, String> header : headers.entrySet()) {
			json.append(first ? "\"" : ",\"");
			QUOTER.quoteAsString(header.getKey(), json);
			json.append("\":\"");
			QUOTER.quoteAsString(header.getValue(), json);
			json.append('"');
			first = false;
		}
		json.append('}');
	}

	/** The headers object: names to text values; anything else makes the envelope undecodable. */
	private static Map<String, String> headersAt(JsonParser parser) {
		if (parser.currentToken() != JsonToken.START_OBJECT) {
			throw new UndecodableTaskException("payload has an invalid field: headers is not an object");
		}
		Map<String, String> headers = new LinkedHashMap<>();
		while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
			String name = parser.currentName();
			if (parser.nextToken() != JsonToken.VALUE_STRING) {
				throw new UndecodableTaskException("payload has an invalid field: headers: '" + abbreviate(name)
						+ "' is not text");
			}
			headers.put(name, parser.getString());
		}
		return headers;
	}

	private static void appendIfSet(StringBuilder json, String field, @Nullable Object value) {
		if (value instanceof Integer number) {
			json.append(",\"").append(field).append("\":").append(number.intValue());
		}
		else if (value instanceof Duration duration) {
			json.append(",\"").append(field).append("\":").append(duration.toMillis());
		}
	}

	private static int put(byte[] target, int at, byte[] bytes) {
		System.arraycopy(bytes, 0, target, at, bytes.length);
		return at + bytes.length;
	}

	private static String abbreviate(String text) {
		return (text.length() <= 200) ? text : text.substring(0, 200) + "...";
	}

}
