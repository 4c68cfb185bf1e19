package io.asynctasq.codec;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskDefinition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

class PayloadCodecTests {

	private final PayloadCodec codec = new PayloadCodec();

	@Test
	void recordsAndGenericListsOfRecordsRoundTrip() {
		Customer customer = new Customer("c-1", "Ada", new Address("Main St", 12, Optional.of("B")));
		List<Line> lines = List.of(new Line("sku-1", 2, new BigDecimal("9.99")),
				new Line("sku-2", 1, new BigDecimal("0.10")));
		Object[] decoded = roundTrip("Codec.order", customer, lines, Map.of("gift", List.of(1L, 2L)));
		assertThat(decoded[0]).isEqualTo(customer);
		assertThat(decoded[1]).isEqualTo(lines);
		assertThat((List<?>) decoded[1]).allSatisfy((line) -> assertThat(line).isInstanceOf(Line.class));
		assertThat(decoded[2]).isEqualTo(Map.of("gift", List.of(1L, 2L)));
		assertThat(((Map<?, ?>) decoded[2]).get("gift")).asInstanceOf(
				org.assertj.core.api.InstanceOfAssertFactories.LIST).allSatisfy((n) -> assertThat(n).isInstanceOf(Long.class));
	}

	@Test
	void decimalsKeepEveryDigitAndTheirScale() {
		BigDecimal amount = new BigDecimal("12345678901234567.10");
		BigDecimal tiny = new BigDecimal("0.000000000000000000012345678901234567890");
		Object[] decoded = roundTrip("Codec.money", amount, tiny, 0.1, Map.of("ratio", 1.5, "count", 3));
		assertThat(decoded[0]).isEqualTo(amount);
		assertThat(decoded[1]).isEqualTo(tiny);
		assertThat(decoded[2]).isEqualTo(0.1);
		// untyped values are what plain JSON gives: Double and Integer
		assertThat(decoded[3]).isEqualTo(Map.of("ratio", 1.5, "count", 3));
	}

	@Test
	void javaTimeTypesRoundTrip() {
		Instant instant = Instant.parse("2024-02-29T12:34:56.123456789Z");
		Duration duration = Duration.ofMinutes(90).plusMillis(5);
		LocalDate date = LocalDate.of(2024, 2, 29);
		LocalDateTime dateTime = LocalDateTime.of(2024, 2, 29, 23, 59, 58);
		OffsetDateTime offset = OffsetDateTime.of(dateTime, ZoneOffset.ofHours(2));
		Object[] decoded = roundTrip("Codec.times", instant, duration, date, dateTime, offset);
		assertThat(decoded).hasSize(5).startsWith(instant, duration, date, dateTime);
		// Jackson's default: an offset date-time is adjusted to UTC; the instant is kept
		assertThat((OffsetDateTime) decoded[4]).isAtSameInstantAs(offset);
	}

	@Test
	void optionalsAndNullsRoundTrip() {
		assertThat(roundTrip("Codec.optional", Optional.of("x"), null)).containsExactly(Optional.of("x"), null);
		assertThat(roundTrip("Codec.optional", Optional.empty(), "y")).containsExactly(Optional.empty(), "y");
	}

	@Test
	void primitivesBoxesEnumsAndCollectionsRoundTrip() {
		UUID uuid = UUID.randomUUID();
		Object[] decoded = roundTrip("Codec.scalars", 42, 7L, 1.5, true, Level.HIGH, uuid, Set.of("a", "b"),
				new int[] { 1, 2, 3 });
		assertThat(decoded[0]).isEqualTo(42);
		assertThat(decoded[1]).isEqualTo(7L);
		assertThat(decoded[2]).isEqualTo(1.5);
		assertThat(decoded[3]).isEqualTo(true);
		assertThat(decoded[4]).isEqualTo(Level.HIGH);
		assertThat(decoded[5]).isEqualTo(uuid);
		assertThat(decoded[6]).isEqualTo(Set.of("a", "b"));
		assertThat((int[]) decoded[7]).containsExactly(1, 2, 3);
	}

	@Test
	void envelopeKeepsNameTimeAndPerDispatchOptions() {
		Instant now = Instant.parse("2025-01-01T00:00:00Z");
		TaskEnvelope envelope = new TaskEnvelope("Codec.optional", this.codec.encodeArguments("Codec.optional",
				new Object[] { Optional.empty(), "z" }), now, 4, Duration.ofSeconds(3), Duration.ofMillis(250), null);
		TaskEnvelope decoded = this.codec.decode(this.codec.encode(envelope));
		assertThat(decoded.taskName()).isEqualTo("Codec.optional");
		assertThat(decoded.dispatchedAt()).isEqualTo(now);
		assertThat(decoded.maxAttempts()).isEqualTo(4);
		assertThat(decoded.timeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(decoded.retryDelay()).isEqualTo(Duration.ofMillis(250));
		assertThat(decoded.visibilityTimeout()).isNull();
		assertThat(decoded.args()).isEqualTo(envelope.args());
	}

	@Test
	void headersTravelWithTheEnvelopeAndEnvelopesWithoutThemStillDecode() {
		Instant now = Instant.parse("2025-01-01T00:00:00Z");
		Map<String, String> headers = Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
				"tenant", "café \"north\"\n");
		TaskEnvelope envelope = new TaskEnvelope("Codec.optional",
				this.codec.encodeArguments("Codec.optional", new Object[] { Optional.empty(), "z" }), now, null, null,
				null, null, headers);
		byte[] body = this.codec.encode(envelope);
		assertThat(this.codec.decode(body).headers()).isEqualTo(headers);
		PayloadCodec.DecodedTask decoded = this.codec.decodeTask(body,
				(name) -> name.equals("Codec.optional") ? definition("Codec.optional") : null);
		assertThat(decoded.envelope().headers()).isEqualTo(headers);
		assertThat(decoded.arguments()).containsExactly(Optional.empty(), "z");
		// no headers: none written, and an envelope of a version without them decodes with none
		byte[] plain = this.codec.encode(envelope.withHeaders(Map.of()));
		assertThat(new String(plain, StandardCharsets.UTF_8)).doesNotContain("headers");
		assertThat(this.codec.decode(plain).headers()).isEmpty();
		assertThat(this.codec.decode("{\"v\":1,\"task\":\"x\",\"args\":[],\"dispatchedAt\":\"2025-01-01T00:00:00Z\"}"
			.getBytes(StandardCharsets.UTF_8)).headers()).isEmpty();
	}

	@Test
	void headersThatAreNotTextAreUndecodable() {
		for (String headers : List.of("[]", "\"x\"", "{\"a\":1}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":null}")) {
			String body = "{\"task\":\"x\",\"args\":[],\"dispatchedAt\":\"2025-01-01T00:00:00Z\",\"headers\":"
					+ headers + "}";
			assertThatExceptionOfType(UndecodableTaskException.class).as(body)
				.isThrownBy(() -> this.codec.decode(body.getBytes(StandardCharsets.UTF_8)))
				.withMessageContaining("headers")
				.withMessageContaining("invalid field");
		}
	}

	@Test
	void contextParameterIsNotPartOfThePayload() {
		TaskDefinition task = definition("Codec.withContext");
		assertThat(task.parameters()).hasSize(1);
		assertThat(this.codec.decodeArguments(task, this.codec.encodeArguments(task.name(), new Object[] { "v" })))
			.containsExactly("v");
	}

	@Test
	void bodyThatIsNotJsonIsUndecodable() {
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decode("not json at all".getBytes(StandardCharsets.UTF_8)))
			.withMessageContaining("not JSON");
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decode(new byte[] { (byte) 0xAC, (byte) 0xED, 0, 5 }));
	}

	@Test
	void jsonThatIsNotATaskIsUndecodable() {
		for (String body : List.of("{}", "[]", "42", "{\"task\":\"x\",\"args\":[]}",
				"{\"task\":1,\"args\":[],\"dispatchedAt\":\"2025-01-01T00:00:00Z\"}",
				"{\"task\":\"x\",\"args\":{},\"dispatchedAt\":\"2025-01-01T00:00:00Z\"}")) {
			assertThatExceptionOfType(UndecodableTaskException.class)
				.as(body)
				.isThrownBy(() -> this.codec.decode(body.getBytes(StandardCharsets.UTF_8)))
				.withMessageContaining("not an AsyncTasQ task");
		}
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decode(
					"{\"task\":\"x\",\"args\":[],\"dispatchedAt\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8)))
			.withMessageContaining("invalid field");
	}

	@Test
	void argumentsThatDoNotMatchTheDeclaredTypesAreUndecodable() {
		TaskDefinition order = definition("Codec.order");
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decodeArguments(order, this.codec.decode(body("Codec.order",
					"{\"id\":\"c\",\"name\":\"n\",\"address\":null}, \"not a list\", {}"))
				.args()))
			.withMessageContaining("'Codec.order'")
			.withMessageContaining("parameter 2 'lines'")
			.withMessageContaining("not a list");
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decodeArguments(order, this.codec.decode(body("Codec.order", "{}")).args()))
			.withMessageContaining("takes 3 argument(s) but the payload has 1");
		TaskDefinition scalars = definition("Codec.scalars");
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decodeArguments(scalars, this.codec.decode(body("Codec.scalars",
					"null, 1, 1.0, true, \"HIGH\", null, [], []"))
				.args()))
			.withMessageContaining("parameter 1 'count' (int)");
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decodeArguments(scalars, this.codec.decode(body("Codec.scalars",
					"1, 1, 1.0, true, \"NOPE\", null, [], []"))
				.args()))
			.withMessageContaining("parameter 5 'level'");
	}

	@Test
	void decodeTaskReadsTheArgumentsInTheSamePassAsDecodeAndDecodeArgumentsDo() {
		TaskDefinition order = definition("Codec.order");
		Customer customer = new Customer("c-1", "Ada", new Address("Main St", 12, Optional.empty()));
		Object[] args = { customer, List.of(new Line("sku-1", 2, new BigDecimal("9.990"))),
				Map.of("gift", List.of(1L, 2L)) };
		byte[] body = this.codec.encode(new TaskEnvelope("Codec.order", this.codec.encodeArguments("Codec.order", args),
				Instant.now(), 2, null, null, null));

		PayloadCodec.DecodedTask decoded = this.codec.decodeTask(body, (name) -> name.equals("Codec.order") ? order : null);
		assertThat(decoded.task()).isSameAs(order);
		assertThat(decoded.argumentError()).isNull();
		assertThat(decoded.arguments()).containsExactly(args);
		assertThat(decoded.envelope()).isEqualTo(this.codec.decode(body));
		assertThat(this.codec.decodeArguments(order, decoded.envelope().args())).containsExactly(args);
	}

	@Test
	void decodeTaskReadsArgumentsThatComeBeforeTheTaskName() {
		TaskDefinition scalars = definition("Codec.withContext");
		byte[] body = ("{\"args\":[\"v\"],\"v\":1,\"dispatchedAt\":\"2025-01-01T00:00:00Z\",\"task\":\"Codec.withContext\"}")
			.getBytes(StandardCharsets.UTF_8);
		PayloadCodec.DecodedTask decoded = this.codec.decodeTask(body, (name) -> scalars);
		assertThat(decoded.arguments()).containsExactly("v");
		assertThat(decoded.envelope().args().toString()).isEqualTo("[\"v\"]");
	}

	@Test
	void decodeTaskSaysWhatDoesNotFitAsDecodeArgumentsDoes() {
		TaskDefinition scalars = definition("Codec.scalars");
		byte[] body = body("Codec.scalars", "1, 1, 1.0, true, \"NOPE\", null, [], []");
		PayloadCodec.DecodedTask decoded = this.codec.decodeTask(body, (name) -> scalars);
		assertThat(decoded.task()).isSameAs(scalars);
		assertThat(decoded.arguments()).isNull();
		assertThat(decoded.argumentError()).hasMessageContaining("parameter 5 'level'")
			.hasMessage(catchThrowable(() -> this.codec.decodeArguments(scalars, this.codec.decode(body).args()))
				.getMessage());
		assertThat(this.codec.decodeTask(body("Codec.scalars", "1"), (name) -> scalars).argumentError())
			.hasMessageContaining("takes 8 argument(s) but the payload has 1");
	}

	@Test
	void decodeTaskLeavesAnUnknownTaskUndecodedAndRefusesBrokenJsonInsideTheArguments() {
		byte[] body = body("Codec.elsewhere", "{\"id\": 1}");
		PayloadCodec.DecodedTask decoded = this.codec.decodeTask(body, (name) -> null);
		assertThat(decoded.task()).isNull();
		assertThat(decoded.arguments()).isNull();
		assertThat(decoded.envelope().args().toString()).isEqualTo("[{\"id\": 1}]");
		TaskDefinition scalars = definition("Codec.scalars");
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> this.codec.decodeTask(body("Codec.scalars", "1, [1, }"), (name) -> scalars))
			.withMessageContaining("not JSON");
	}

	// ---------------------------------------------------------------- helpers

	private Object[] roundTrip(String taskName, Object... args) {
		TaskDefinition task = definition(taskName);
		TaskEnvelope envelope = new TaskEnvelope(taskName, this.codec.encodeArguments(taskName, args), Instant.now(),
				null, null, null, null);
		byte[] body = this.codec.encode(envelope);
		return this.codec.decodeArguments(task, this.codec.decode(body).args());
	}

	private static byte[] body(String task, String argumentsJson) {
		return ("{\"v\":1,\"task\":\"" + task + "\",\"args\":[" + argumentsJson + "],\"dispatchedAt\":\""
				+ Instant.now() + "\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

	private static TaskDefinition definition(String name) {
		return new AnnotatedTasks(null).definitionsOf(new Codec())
			.stream()
			.filter((task) -> task.name().equals(name))
			.findFirst()
			.orElseThrow();
	}

	record Address(String street, int number, Optional<String> unit) {
	}

	record Customer(String id, String name, Address address) {
	}

	record Line(String sku, int quantity, BigDecimal price) {
	}

	enum Level {

		LOW, HIGH

	}

	static class Codec {

		@Task
		public void order(Customer customer, List<Line> lines, Map<String, List<Long>> tags) {
		}

		@Task
		public void times(Instant instant, Duration duration, LocalDate date, LocalDateTime dateTime,
				OffsetDateTime offset) {
		}

		@Task
		public void optional(Optional<String> maybe, String nullable) {
		}

		@Task
		public void scalars(int count, Long id, double ratio, boolean flag, Level level, UUID uuid, Set<String> tags,
				int[] numbers) {
		}

		@Task
		public void withContext(TaskContext context, String value) {
		}

		@Task
		public void money(BigDecimal amount, BigDecimal tiny, double ratio, Map<String, Object> extra) {
		}

	}

}
