package io.asynctasq.autoconfigure;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.TaskHandler;
import io.asynctasq.TaskMethod;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.GeneratedFiles.Kind;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.LambdaHint;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.javapoet.ClassName;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application with the auto-configuration processed ahead of time, as {@code spring-boot:process-aot}
 * does: the runtime hints a native image needs for its tasks and for the library's resources.
 */
class AsyncTasqAotProcessingTests {

	private static RuntimeHints hints;

	private static InMemoryGeneratedFiles generatedFiles;

	@BeforeAll
	static void processAheadOfTime() {
		generatedFiles = new InMemoryGeneratedFiles();
		DefaultGenerationContext generationContext = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get(AsyncTasqAotProcessingTests.class)), generatedFiles);
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.register(ApplicationConfiguration.class);
			new ApplicationContextAotGenerator().processAheadOfTime(context, generationContext);
		}
		generationContext.writeGeneratedContent();
		hints = generationContext.getRuntimeHints();
	}

	@Test
	void theBeanDefinitionsAreGenerated() {
		assertThat(generatedFiles.getGeneratedFiles(Kind.SOURCE)).isNotEmpty();
	}

	@Test
	void everyTaskMethodMayBeInvoked() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(method(OrderTasks.class, "importOrder")))
			.accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(method(OrderTasks.class, "priceOrders")))
			.accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(method(OrderTasks.class, "notATask")))
			.rejects(hints);
	}

	@Test
	void parameterTypesAreBoundWithTheirPropertiesAndTypeArguments() {
		// a record parameter, and the record inside a List<..> parameter
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Order.class, "id")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Line.class, "quantity")).accepts(hints);
		// a property of a property
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Customer.class, "email")).accepts(hints);
		// TaskContext is the worker's, never read from JSON
		assertThat(RuntimeHintsPredicates.reflection().onType(TaskContext.class)).rejects(hints);
	}

	@Test
	void returnTypesAreBoundThroughTheirFuture() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Priced.class, "total")).accepts(hints);
	}

	@Test
	void aTaskHandlersPayloadIsBound() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Refund.class, "amountCents"))
			.accepts(hints);
	}

	@Test
	void methodReferencesToTasksAreRegisteredAsLambdas() {
		List<LambdaHint> lambdas = hints.reflection()
			.lambdaHints()
			.filter((lambda) -> lambda.getDeclaringClass().equals(TypeReference.of(OrderClient.class)))
			.toList();
		assertThat(lambdas).singleElement().satisfies((lambda) -> {
			assertThat(lambda.getDeclaringMethod().name()).isEqualTo("importLater");
			assertThat(lambda.getDeclaringMethod().parameterTypes()).containsExactly(TypeReference.of(Order.class));
			assertThat(lambda.getInterfaces()).containsExactly(TypeReference.of(TaskMethod.Of2.class));
		});
	}

	@Test
	void everyLuaScriptAndFragmentIsAResource() throws IOException {
		List<String> scripts = resources("io/asynctasq/driver/redis/**/*.lua");
		assertThat(scripts).contains("io/asynctasq/driver/redis/enqueue-5.lua", "io/asynctasq/driver/redis/lib/lease.lua");
		assertThat(scripts).allSatisfy(
				(script) -> assertThat(RuntimeHintsPredicates.resource().forResource(script)).as(script).accepts(hints));
		assertThat(RuntimeHintsPredicates.resource().forResource("io/asynctasq/driver/redis/notes.txt")).rejects(hints);
	}

	@Test
	void everySqlScriptIsAResource() throws IOException {
		List<String> scripts = resources("io/asynctasq/**/*.sql");
		assertThat(scripts).contains("io/asynctasq/driver/jdbc/schema-postgresql.sql");
		assertThat(scripts).allSatisfy(
				(script) -> assertThat(RuntimeHintsPredicates.resource().forResource(script)).as(script).accepts(hints));
	}

	@Test
	void virtualThreadsAreCreatedByReflection() {
		// Java 21 methods, looked up by name on a JDK of any version
		assertThat(hints.reflection().getTypeHint(Thread.class).methods())
			.anySatisfy((method) -> assertThat(method.getName()).isEqualTo("ofVirtual"));
		assertThat(hints.reflection().getTypeHint(Executors.class).methods())
			.anySatisfy((method) -> assertThat(method.getName()).isEqualTo("newThreadPerTaskExecutor"));
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of("java.lang.Thread$Builder$OfVirtual")))
			.accepts(hints);
	}

	@ParameterizedTest
	@ValueSource(strings = { "memory", "redis", "rabbitmq", "jdbc" })
	void everyDriversAutoConfigurationIsProcessedAheadOfTime(String driver) {
		InMemoryGeneratedFiles files = new InMemoryGeneratedFiles();
		DefaultGenerationContext generationContext = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get(AsyncTasqAotProcessingTests.class)), files);
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			TestPropertyValues.of("asynctasq.driver=" + driver, "asynctasq.results.enabled=true",
					"spring.datasource.url=jdbc:h2:mem:aot;DB_CLOSE_DELAY=-1").applyTo(context);
			context.register(EveryAutoConfiguration.class);
			new ApplicationContextAotGenerator().processAheadOfTime(context, generationContext);
		}
		generationContext.writeGeneratedContent();
		String driverConfiguration = switch (driver) {
			case "redis" -> "AsyncTasqRedisAutoConfiguration";
			case "rabbitmq" -> "AsyncTasqRabbitAutoConfiguration";
			case "jdbc" -> "AsyncTasqJdbcAutoConfiguration";
			default -> "AsyncTasqAutoConfiguration";
		};
		assertThat(files.getGeneratedFiles(Kind.SOURCE))
			.containsKey("io/asynctasq/autoconfigure/" + driverConfiguration + "__BeanDefinitions.java");
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, DataRedisAutoConfiguration.class,
			RabbitAutoConfiguration.class, AsyncTasqAutoConfiguration.class, AsyncTasqHealthAutoConfiguration.class,
			AsyncTasqMetricsAutoConfiguration.class, AsyncTasqEndpointAutoConfiguration.class,
			AsyncTasqObservationAutoConfiguration.class, AsyncTasqRedisAutoConfiguration.class,
			AsyncTasqRabbitAutoConfiguration.class, AsyncTasqJdbcAutoConfiguration.class,
			AsyncTasqTransactionAutoConfiguration.class, AsyncTasqResultsAutoConfiguration.class,
			AsyncTasqReactiveAutoConfiguration.class })
	static class EveryAutoConfiguration {

	}

	/** The library's resources matching {@code pattern} on the classpath, by their path in it. */
	private static List<String> resources(String pattern) throws IOException {
		Resource[] found = new PathMatchingResourcePatternResolver().getResources("classpath*:" + pattern);
		return Arrays.stream(found).map((resource) -> {
			try {
				String url = resource.getURL().toString();
				return url.substring(url.lastIndexOf("io/asynctasq/"));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}).distinct().toList();
	}

	private static Method method(Class<?> type, String name) {
		return Arrays.stream(ReflectionUtils.getDeclaredMethods(type))
			.filter((method) -> method.getName().equals(name))
			.findFirst()
			.orElseThrow();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(AsyncTasqAutoConfiguration.class)
	static class ApplicationConfiguration {

		@Bean
		OrderTasks orderTasks() {
			return new OrderTasks();
		}

		@Bean
		RefundTask refundTask() {
			return new RefundTask();
		}

		@Bean
		OrderClient orderClient(ObjectProvider<TaskDispatcher> dispatcher) {
			return new OrderClient(dispatcher);
		}

	}

	public record Customer(String email) {
	}

	public record Order(String id, Customer customer) {
	}

	public record Line(String sku, int quantity) {
	}

	public record Priced(long total) {
	}

	public record Refund(String orderId, long amountCents) {
	}

	static class OrderTasks {

		@Task
		public void importOrder(Order order, TaskContext context) {
		}

		@Task
		public CompletableFuture<Priced> priceOrders(List<Line> lines, Map<String, String> options) {
			return CompletableFuture.completedFuture(new Priced(lines.size()));
		}

		public void notATask(Order order) {
		}

	}

	static class RefundTask implements TaskHandler<Refund> {

		@Override
		public void execute(Refund refund, TaskContext context) {
		}

	}

	static class OrderClient {

		private final ObjectProvider<TaskDispatcher> dispatcher;

		OrderClient(ObjectProvider<TaskDispatcher> dispatcher) {
			this.dispatcher = dispatcher;
		}

		String importLater(Order order) {
			return this.dispatcher.getObject().dispatch(OrderTasks::importOrder, order, null);
		}

	}

}
