package io.asynctasq.codec;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Task;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A message body is untrusted input: whatever it says, arguments are decoded only into the declared
 * parameter types, and a type named in the payload is never instantiated.
 */
class PayloadSecurityTests {

	private static final String GADGET = Gadget.class.getName();

	private final Sink sink = new Sink();

	private AsyncTasqRuntime runtime;

	@BeforeEach
	void start() {
		Gadget.instances.set(0);
		// no grace for arguments that do not decode: no other worker of a newer release is coming
		this.runtime = AsyncTasq.builder()
			.tasks(this.sink)
			.pollInterval(Duration.ofMillis(100))
			.unknownTaskGrace(Duration.ZERO)
			.build();
	}

	@AfterEach
	void stop() {
		this.runtime.close();
	}

	@Test
	void objectParameterReceivesPlainJsonStructuresOnly() {
		String id = enqueueRaw("Sink.takeObject", "{\"@class\":\"" + GADGET + "\",\"command\":[\"touch\",\"/tmp/pwned\"]}");
		String processBuilder = enqueueRaw("Sink.takeObject",
				"{\"@class\":\"java.lang.ProcessBuilder\",\"command\":[\"touch\",\"/tmp/pwned\"]}");
		String wrapperArray = enqueueRaw("Sink.takeObject", "[\"" + GADGET + "\",{\"command\":\"x\"}]");
		String typeProperty = enqueueRaw("Sink.takeObject", "{\"@type\":\"" + GADGET + "\",\"@c\":\".Gadget\"}");

		await().atMost(Duration.ofSeconds(5)).until(() -> this.sink.received.size() == 4);

		assertThat(Gadget.instances).hasValue(0);
		assertThat(this.sink.received).allSatisfy((value) -> assertThat(value).isInstanceOfAny(Map.class, List.class))
			.noneSatisfy((value) -> assertThat(value).isInstanceOfAny(Gadget.class, ProcessBuilder.class));
		assertThat(received(id)).isInstanceOf(LinkedHashMap.class)
			.isEqualTo(Map.of("@class", GADGET, "command", List.of("touch", "/tmp/pwned")));
		assertThat(received(processBuilder)).isInstanceOf(LinkedHashMap.class)
			.isEqualTo(Map.of("@class", "java.lang.ProcessBuilder", "command", List.of("touch", "/tmp/pwned")));
		assertThat(received(wrapperArray)).isEqualTo(List.of(GADGET, Map.of("command", "x")));
		assertThat(received(typeProperty)).isEqualTo(Map.of("@type", GADGET, "@c", ".Gadget"));
	}

	@Test
	void serializableParameterReceivesPlainJsonStructuresOnly() {
		String id = enqueueRaw("Sink.takeSerializable", "{\"@class\":\"" + GADGET + "\"}");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.sink.received.size() == 1);
		assertThat(Gadget.instances).hasValue(0);
		assertThat(received(id)).isEqualTo(Map.of("@class", GADGET));
	}

	@Test
	void nestedObjectsInCollectionsAreNotInstantiatedEither() {
		String id = enqueueRaw("Sink.takeList", "[{\"@class\":\"" + GADGET + "\"},[\"" + GADGET + "\",{}]]");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.sink.received.size() == 1);
		assertThat(Gadget.instances).hasValue(0);
		assertThat(received(id)).isEqualTo(List.of(Map.of("@class", GADGET), List.of(GADGET, Map.of())));
	}

	@Test
	void interfaceParameterIsNeverBoundToAClassNamedInThePayload() {
		String id = enqueueRaw("Sink.takeShape", "{\"@class\":\"" + GADGET + "\",\"sides\":3}");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.runtime.driver().counts("default").deadLettered() == 1);
		assertThat(Gadget.instances).hasValue(0);
		assertThat(this.sink.received).isEmpty();
		DeadLetter dead = this.runtime.driver().deadLetters("default", 0, 1).get(0);
		assertThat(dead.id()).isEqualTo(id);
		assertThat(dead.failure().reason()).isEqualTo("undecodable arguments");
		assertThat(dead.failure().errorMessage()).contains("Sink.takeShape").contains("parameter 1 'shape'");
	}

	@Test
	void codecDecodesIntoTheDeclaredTypeOnly() {
		TaskDefinition takeObject = definition("Sink.takeObject");
		PayloadCodec codec = new PayloadCodec();
		TaskEnvelope envelope = codec.decode(body("Sink.takeObject", "{\"@class\":\"" + GADGET + "\"}"));
		Object[] args = codec.decodeArguments(takeObject, envelope.args());
		assertThat(args).singleElement().isEqualTo(Map.of("@class", GADGET));
		assertThatExceptionOfType(UndecodableTaskException.class)
			.isThrownBy(() -> codec.decodeArguments(definition("Sink.takeShape"),
					codec.decode(body("Sink.takeShape", "{\"@class\":\"" + GADGET + "\"}")).args()))
			.withMessageContaining("Sink.takeShape");
		assertThat(Gadget.instances).hasValue(0);
	}

	// ---------------------------------------------------------------- helpers

	private String enqueueRaw(String task, String argumentJson) {
		String id = UUID.randomUUID().toString();
		this.runtime.driver()
			.enqueue(new TaskMessage(id, "default", body(task, argumentJson), Instant.now()), Duration.ZERO);
		return id;
	}

	private static byte[] body(String task, String argumentJson) {
		return ("{\"v\":1,\"task\":\"" + task + "\",\"args\":[" + argumentJson + "],\"dispatchedAt\":\""
				+ Instant.now() + "\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

	private Object received(String id) {
		int index = this.sink.ids.indexOf(id);
		assertThat(index).as("task %s ran", id).isNotNegative();
		return this.sink.received.get(index);
	}

	private TaskDefinition definition(String name) {
		return new AnnotatedTasks(null).definitionsOf(this.sink)
			.stream()
			.filter((task) -> task.name().equals(name))
			.findFirst()
			.orElseThrow();
	}

	/** A class that must never be created from a payload; counts its instances. */
	public static class Gadget implements Shape, Serializable {

		static final AtomicInteger instances = new AtomicInteger();

		private Object command;

		private int sides;

		public Gadget() {
			instances.incrementAndGet();
		}

		public Object getCommand() {
			return this.command;
		}

		public void setCommand(Object command) {
			this.command = command;
		}

		@Override
		public int getSides() {
			return this.sides;
		}

		public void setSides(int sides) {
			this.sides = sides;
		}

	}

	public interface Shape {

		int getSides();

	}

	static class Sink {

		final List<String> ids = new CopyOnWriteArrayList<>();

		final List<Object> received = new CopyOnWriteArrayList<>();

		@Task
		public void takeObject(Object value, io.asynctasq.TaskContext context) {
			record(value, context);
		}

		@Task
		public void takeSerializable(Serializable value, io.asynctasq.TaskContext context) {
			record(value, context);
		}

		@Task
		public void takeList(List<Object> values, io.asynctasq.TaskContext context) {
			record(values, context);
		}

		@Task
		public void takeShape(Shape shape, io.asynctasq.TaskContext context) {
			record(shape, context);
		}

		private synchronized void record(Object value, io.asynctasq.TaskContext context) {
			this.ids.add(context.taskId());
			this.received.add(value);
		}

	}

}
