package io.asynctasq.autoconfigure;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.UndecodableTaskException;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import tools.jackson.databind.module.SimpleModule;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The codec builds on the application's {@code JsonMapper} (Boot's {@code spring.jackson.*}, its modules), and
 * still decodes arguments only into the declared parameter types when the application's mapper enables
 * default typing.
 */
class ApplicationJsonMapperTests {

	private static final String GADGET = Gadget.class.getName();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, AsyncTasqAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.poll-interval=100ms");

	@BeforeEach
	void resetGadget() {
		Gadget.instances.set(0);
	}

	@Test
	void argumentsAreWrittenAndReadWithTheApplicationsJacksonConfiguration() {
		this.runner.withUserConfiguration(BillingConfiguration.class)
			.withPropertyValues("spring.jackson.property-naming-strategy=SNAKE_CASE")
			.run((context) -> {
				PayloadCodec codec = context.getBean(PayloadCodec.class);
				Invoice invoice = new Invoice("ACME", new Money(new BigDecimal("12.50"), "EUR"));
				String json = codec.encodeArguments("Billing.charge", new Object[] { invoice }).toString();
				assertThat(json).isEqualTo("[{\"customer_name\":\"ACME\",\"total\":\"12.50 EUR\"}]");

				context.getBean(TaskDispatcher.class).dispatch(Billing::charge, invoice);
				Billing billing = context.getBean(Billing.class);
				await().atMost(Duration.ofSeconds(5)).until(() -> billing.charged.size() == 1);
				assertThat(billing.charged).containsExactly(invoice);
			});
	}

	@Test
	void applicationMapperWithDefaultTypingDoesNotOpenAGadgetPath() {
		this.runner.withUserConfiguration(DefaultTypingMapperConfiguration.class, SinkConfiguration.class)
			.run((context) -> {
				String wrapperArray = "[\"" + GADGET + "\",{\"command\":\"touch /tmp/pwned\"}]";
				// the application's own mapper would build the gadget: the path this test closes is real
				assertThat(context.getBean(JsonMapper.class).readValue(wrapperArray, Object.class))
					.isInstanceOf(Gadget.class);
				assertThat(Gadget.instances).hasValue(1);
				Gadget.instances.set(0);

				PayloadCodec codec = context.getBean(PayloadCodec.class);
				TaskRegistry registry = context.getBean(TaskRegistry.class);
				Object[] args = codec.decodeArguments(task(registry, "Sink.takeObject"),
						codec.decode(body("Sink.takeObject", wrapperArray)).args());
				assertThat(args).singleElement().isEqualTo(List.of(GADGET, Map.of("command", "touch /tmp/pwned")));
				assertThatExceptionOfType(UndecodableTaskException.class)
					.isThrownBy(() -> codec.decodeArguments(task(registry, "Sink.takeShape"),
							codec.decode(body("Sink.takeShape", "{\"@class\":\"" + GADGET + "\"}")).args()))
					.withMessageContaining("Sink.takeShape");

				// through the worker: the task receives plain JSON structures, the gadget is never built
				QueueDriver driver = context.getBean(QueueDriver.class);
				driver.enqueue(new TaskMessage("gadget-1", "default",
						body("Sink.takeObject", wrapperArray), Instant.now()), Duration.ZERO);
				Sink sink = context.getBean(Sink.class);
				await().atMost(Duration.ofSeconds(5)).until(() -> sink.received.size() == 1);
				assertThat(sink.received.get(0)).isInstanceOf(List.class);
				assertThat(Gadget.instances).hasValue(0);
			});
	}

	private static TaskDefinition task(TaskRegistry registry, String name) {
		return registry.find(name).orElseThrow();
	}

	private static byte[] body(String task, String argumentJson) {
		return ("{\"v\":1,\"task\":\"" + task + "\",\"args\":[" + argumentJson + "],\"dispatchedAt\":\""
				+ Instant.now() + "\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

	record Money(BigDecimal amount, String currency) {
	}

	record Invoice(String customerName, Money total) {
	}

	static class Billing {

		final List<Invoice> charged = new CopyOnWriteArrayList<>();

		@Task(name = "Billing.charge")
		void charge(Invoice invoice) {
			this.charged.add(invoice);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BillingConfiguration {

		@Bean
		Billing billing() {
			return new Billing();
		}

		/** Registered by Boot into the application's mapper: money as "12.50 EUR". */
		@Bean
		JacksonModule moneyModule() {
			return new SimpleModule("money").addSerializer(Money.class, new ValueSerializer<>() {
				@Override
				public void serialize(Money value, JsonGenerator generator, SerializationContext context) {
					generator.writeString(value.amount().toPlainString() + " " + value.currency());
				}
			}).addDeserializer(Money.class, new ValueDeserializer<>() {
				@Override
				public Money deserialize(JsonParser parser, DeserializationContext context) {
					String[] parts = parser.getString().split(" ");
					return new Money(new BigDecimal(parts[0]), parts[1]);
				}
			});
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DefaultTypingMapperConfiguration {

		/** An application mapper that trusts every class named in its input: what no task payload may reach. */
		@Bean
		JsonMapper applicationMapper() {
			return JsonMapper.builder()
				.activateDefaultTyping(BasicPolymorphicTypeValidator.builder().allowIfSubType(Object.class).build(),
						DefaultTyping.NON_FINAL)
				.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SinkConfiguration {

		@Bean
		Sink sink() {
			return new Sink();
		}

	}

	static class Sink {

		final List<Object> received = new CopyOnWriteArrayList<>();

		@Task(name = "Sink.takeObject")
		void takeObject(Object value) {
			this.received.add(value);
		}

		@Task(name = "Sink.takeShape")
		void takeShape(Shape shape) {
			this.received.add(shape);
		}

	}

	/** A declared type that asks for class names in its JSON: refused all the same. */
	@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
	public interface Shape {

	}

	public static class Gadget implements Shape {

		static final AtomicInteger instances = new AtomicInteger();

		private Object command;

		public Gadget() {
			instances.incrementAndGet();
		}

		public Object getCommand() {
			return this.command;
		}

		public void setCommand(Object command) {
			this.command = command;
		}

	}

}
