package io.asynctasq.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.jdbc.JdbcDriverOptions;
import io.asynctasq.health.AsyncTasqHealthIndicator;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.convert.ConversionService;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata the annotation processor generates from {@link AsyncTasqProperties} is
 * what IDEs show: every property must be there with a description.
 */
class AsyncTasqConfigurationMetadataTests {

	private static final List<String> DOCUMENTED = List.of("asynctasq.driver", "asynctasq.default-queue",
			"asynctasq.task-defaults.max-attempts", "asynctasq.task-defaults.timeout",
			"asynctasq.task-defaults.retry-delay", "asynctasq.task-defaults.backoff",
			"asynctasq.task-defaults.max-retry-delay", "asynctasq.task-defaults.jitter",
			"asynctasq.task-defaults.visibility-timeout", "asynctasq.worker.enabled", "asynctasq.worker.queues",
			"asynctasq.worker.concurrency", "asynctasq.worker.shutdown-timeout", "asynctasq.worker.poll-interval",
			"asynctasq.worker.heartbeat-interval", "asynctasq.worker.executor", "asynctasq.worker.task-executor",
			"asynctasq.worker.cpu-threads", "asynctasq.worker.unknown-task-grace",
			"asynctasq.dispatch.timeout", "asynctasq.dispatch.max-payload-size", "asynctasq.health.timeout",
			"asynctasq.health.counts-refresh", "asynctasq.observations.enabled", "asynctasq.observations.require-tracer", "asynctasq.results.enabled", "asynctasq.results.ttl",
			"asynctasq.dead-letter.retention");

	/** Properties without a default value: unset means something of its own. */
	private static final List<String> WITHOUT_DEFAULT = List.of("asynctasq.worker.queues", "asynctasq.worker.prefetch",
			"asynctasq.dead-letter.retention", "asynctasq.worker.task-executor", "asynctasq.worker.cpu-threads",
			"asynctasq.sqs.region", "asynctasq.sqs.endpoint",
			"asynctasq.sqs.access-key-id", "asynctasq.sqs.secret-access-key");

	@Test
	void everyPropertyIsDocumented() throws IOException {
		Map<String, JsonNode> properties = asyncTasqProperties();
		assertThat(properties).containsKeys(DOCUMENTED.toArray(String[]::new));
		for (String name : properties.keySet()) {
			assertThat(properties.get(name).path("description").asString()).as("description of %s", name)
				.isNotBlank();
		}
	}

	@Test
	void typesAndDefaultsAreRecorded() throws IOException {
		Map<String, JsonNode> properties = asyncTasqProperties();
		assertThat(properties.get("asynctasq.driver").path("type").asString())
			.isEqualTo(AsyncTasqProperties.Driver.class.getName());
		assertThat(properties.get("asynctasq.worker.queues").path("type").asString()).startsWith("java.util.List");
		assertThat(properties.get("asynctasq.task-defaults.retry-delay").path("type").asString())
			.isEqualTo("java.time.Duration");
		assertThat(properties.get("asynctasq.default-queue").path("defaultValue").asString()).isEqualTo("default");
		assertThat(properties.get("asynctasq.dead-letter.retention").path("type").asString())
			.isEqualTo("java.time.Duration");
		assertThat(properties.get("asynctasq.dead-letter.retention").has("defaultValue"))
			.as("unset: dead letters are kept").isFalse();
		assertThat(properties.get("asynctasq.worker.enabled").path("defaultValue").asBoolean()).isTrue();
		assertThat(properties.get("asynctasq.worker.concurrency").path("defaultValue").asInt()).isEqualTo(10);
	}

	@Test
	void everyPropertyHasItsDefaultAndTheDefaultsAreTheCodes() throws IOException {
		Map<String, JsonNode> properties = asyncTasqProperties();
		for (String name : properties.keySet()) {
			if (!WITHOUT_DEFAULT.contains(name)) {
				assertThat(properties.get(name).has("defaultValue")).as("default of %s", name).isTrue();
			}
		}
		assertThat(duration(properties, "asynctasq.dispatch.timeout")).isEqualTo(DefaultTaskDispatcher.DEFAULT_TIMEOUT);
		assertThat(DataSize.parse(properties.get("asynctasq.dispatch.max-payload-size").path("defaultValue").asString())
			.toBytes()).isEqualTo(DefaultTaskDispatcher.DEFAULT_MAX_PAYLOAD_SIZE);
		assertThat(duration(properties, "asynctasq.health.timeout")).isEqualTo(AsyncTasqHealthIndicator.DEFAULT_TIMEOUT);
		assertThat(duration(properties, "asynctasq.health.counts-refresh"))
			.isEqualTo(AsyncTasqHealthIndicator.DEFAULT_COUNTS_REFRESH);
		assertThat(duration(properties, "asynctasq.results.ttl")).isEqualTo(Worker.DEFAULT_RESULT_TTL);
		assertThat(duration(properties, "asynctasq.sqs.call-timeout"))
			.isEqualTo(io.asynctasq.driver.sqs.SqsDriver.DEFAULT_CALL_TIMEOUT);
		assertThat(properties.get("asynctasq.sqs.max-message-size").path("defaultValue").asInt())
			.isEqualTo(io.asynctasq.driver.sqs.SqsDriver.DEFAULT_MAX_MESSAGE_SIZE);
		assertThat(properties.get("asynctasq.results.enabled").path("defaultValue").asBoolean()).isFalse();
		assertThat(duration(properties, "asynctasq.worker.unknown-task-grace"))
			.isEqualTo(WorkerSettings.DEFAULT_UNKNOWN_TASK_GRACE);
		assertThat(properties.get("asynctasq.worker.concurrency").path("defaultValue").asInt())
			.isEqualTo(WorkerSettings.DEFAULT_CONCURRENCY);
		assertThat(duration(properties, "asynctasq.worker.shutdown-timeout"))
			.isEqualTo(WorkerSettings.DEFAULT_SHUTDOWN_TIMEOUT);
		assertThat(duration(properties, "asynctasq.worker.poll-interval")).isEqualTo(WorkerSettings.DEFAULT_POLL_INTERVAL);
		assertThat(duration(properties, "asynctasq.worker.heartbeat-interval"))
			.isEqualTo(WorkerSettings.DEFAULT_HEARTBEAT_INTERVAL);
		assertThat(properties.get("asynctasq.worker.executor").path("defaultValue").asString())
			.isEqualTo(WorkerSettings.DEFAULT_EXECUTOR_MODE.name().toLowerCase(java.util.Locale.ROOT));
		JdbcDriverOptions jdbc = JdbcDriverOptions.defaults();
		assertThat(properties.get("asynctasq.jdbc.table-prefix").path("defaultValue").asString())
			.isEqualTo(jdbc.tablePrefix());
		assertThat(duration(properties, "asynctasq.jdbc.poll-backoff-min")).isEqualTo(jdbc.pollBackoffMin());
		assertThat(duration(properties, "asynctasq.jdbc.poll-backoff-max")).isEqualTo(jdbc.pollBackoffMax());
		assertThat(properties.get("asynctasq.jdbc.notifications").path("defaultValue").asBoolean())
			.isEqualTo(jdbc.notifications());
		TaskOptions defaults = TaskOptions.DEFAULTS;
		assertThat(properties.get("asynctasq.default-queue").path("defaultValue").asString())
			.isEqualTo(defaults.queue());
		assertThat(properties.get("asynctasq.task-defaults.max-attempts").path("defaultValue").asInt())
			.isEqualTo(defaults.maxAttempts());
		assertThat(duration(properties, "asynctasq.task-defaults.timeout")).isEqualTo(defaults.timeout());
		assertThat(duration(properties, "asynctasq.task-defaults.retry-delay")).isEqualTo(defaults.retryDelay());
		assertThat(duration(properties, "asynctasq.task-defaults.max-retry-delay")).isEqualTo(defaults.maxRetryDelay());
		assertThat(duration(properties, "asynctasq.task-defaults.visibility-timeout"))
			.isEqualTo(defaults.visibilityTimeout());
		assertThat(properties.get("asynctasq.task-defaults.jitter").path("defaultValue").asDouble())
			.isEqualTo(defaults.jitter());
		assertThat(properties.get("asynctasq.task-defaults.backoff").path("defaultValue").asString())
			.isEqualTo(defaults.backoff().name().toLowerCase(java.util.Locale.ROOT));
	}

	/** An IDE offers every value of an enumeration, each with what it means, and nothing else. */
	@Test
	void everyEnumerationHasAHintForEachOfItsValues() throws Exception {
		JsonNode metadata = ourMetadata();
		Map<String, List<String>> hints = new LinkedHashMap<>();
		for (JsonNode hint : metadata.path("hints")) {
			List<String> values = new ArrayList<>();
			for (JsonNode value : hint.path("values")) {
				assertThat(value.path("description").asString()).as("description of %s=%s", hint.path("name"),
						value.path("value")).isNotBlank();
				values.add(value.path("value").asString());
			}
			hints.put(hint.path("name").asString(), values);
		}
		int enumerations = 0;
		for (JsonNode property : metadata.path("properties")) {
			String type = property.path("type").asString();
			Class<?> javaType = ClassUtils.isPresent(type, null) ? ClassUtils.forName(type, null) : null;
			String name = property.path("name").asString();
			if (javaType == null || !javaType.isEnum() || !name.startsWith("asynctasq.")) {
				continue;
			}
			enumerations++;
			List<String> constants = Stream.of(javaType.getEnumConstants())
				.map((constant) -> ((Enum<?>) constant).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
				.toList();
			assertThat(hints.get(name)).as("hints of %s", name).containsExactlyInAnyOrderElementsOf(constants);
		}
		assertThat(enumerations).isGreaterThanOrEqualTo(7);
	}

	@Test
	void theHealthIndicatorsSwitchIsDocumented() throws Exception {
		JsonNode switchProperty = null;
		for (JsonNode property : ourMetadata().path("properties")) {
			if (property.path("name").asString().equals("management.health.asynctasq.enabled")) {
				switchProperty = property;
			}
		}
		assertThat(switchProperty).isNotNull();
		assertThat(switchProperty.path("defaultValue").asBoolean()).isTrue();
		assertThat(switchProperty.path("description").asString()).isNotBlank();
	}

	/** The metadata file that declares asynctasq.* (the generated one). */
	private static JsonNode ourMetadata() throws IOException {
		JsonMapper mapper = JsonMapper.builder().build();
		for (URL file : Collections.list(AsyncTasqConfigurationMetadataTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = file.openStream()) {
				JsonNode metadata = mapper.readTree(in);
				if (metadata.path("properties").valueStream()
					.anyMatch((property) -> property.path("name").asString().startsWith("asynctasq."))) {
					return metadata;
				}
			}
		}
		throw new IllegalStateException("No metadata declares asynctasq.*");
	}

	/** What IDEs show as a property's default is the value a properties object has before binding. */
	@Test
	void everyDocumentedDefaultIsThePropertiesObjectsValue() throws IOException {
		Map<String, Object> roots = new LinkedHashMap<>();
		roots.put("asynctasq.redis.", new AsyncTasqRedisProperties());
		roots.put("asynctasq.rabbitmq.", new AsyncTasqRabbitProperties());
		roots.put("asynctasq.jdbc.", new AsyncTasqJdbcProperties());
		roots.put("asynctasq.dispatch.", new AsyncTasqDispatchProperties());
		roots.put("asynctasq.sqs.", new AsyncTasqSqsProperties());
		roots.put("asynctasq.health.", new AsyncTasqHealthProperties());
		roots.put("asynctasq.results.", new AsyncTasqResultsProperties());
		roots.put("asynctasq.metrics.", new AsyncTasqMetricsProperties());
		roots.put("asynctasq.endpoint.", new AsyncTasqEndpointProperties());
		roots.put("asynctasq.observations.", new AsyncTasqObservationProperties());
		roots.put("asynctasq.", new AsyncTasqProperties());
		ConversionService conversion = ApplicationConversionService.getSharedInstance();
		Map<String, JsonNode> properties = asyncTasqProperties();
		assertThat(properties.values()).filteredOn((property) -> property.has("defaultValue")).hasSizeGreaterThan(30);
		properties.forEach((name, property) -> {
			if (!property.has("defaultValue")) {
				return;
			}
			String prefix = roots.keySet().stream().filter(name::startsWith).findFirst().orElseThrow();
			BeanWrapper root = new BeanWrapperImpl(roots.get(prefix));
			String path = Stream.of(name.substring(prefix.length()).split("\\."))
				.map((segment) -> Stream.of(segment.split("-"))
					.reduce((camel, word) -> camel + Character.toUpperCase(word.charAt(0)) + word.substring(1))
					.orElseThrow())
				.collect(Collectors.joining("."));
			JsonNode defaultValue = property.path("defaultValue");
			// a collection's default is documented as a JSON array, bound as a comma-separated list
			String text = defaultValue.isArray() ? defaultValue.valueStream().map(JsonNode::asString)
				.collect(Collectors.joining(",")) : defaultValue.asString();
			Object documented = conversion.convert(text,
					ClassUtils.resolvePrimitiveIfNecessary(root.getPropertyType(path)));
			assertThat(root.getPropertyValue(path)).as("default of %s", name).isEqualTo(documented);
		});
	}

	private static Duration duration(Map<String, JsonNode> properties, String name) {
		return DurationStyle.detectAndParse(properties.get(name).path("defaultValue").asString());
	}

	/** The asynctasq.* entries of the metadata files on the classpath (the generated one, in practice). */
	private static Map<String, JsonNode> asyncTasqProperties() throws IOException {
		JsonMapper mapper = JsonMapper.builder().build();
		List<URL> files = Collections
			.list(AsyncTasqConfigurationMetadataTests.class.getClassLoader()
				.getResources("META-INF/spring-configuration-metadata.json"));
		Map<String, JsonNode> properties = new LinkedHashMap<>();
		List<URL> ours = new ArrayList<>();
		for (URL file : files) {
			try (InputStream in = file.openStream()) {
				for (JsonNode property : mapper.readTree(in).path("properties")) {
					String name = property.path("name").asString();
					if (name.startsWith("asynctasq.")) {
						properties.put(name, property);
						if (!ours.contains(file)) {
							ours.add(file);
						}
					}
				}
			}
		}
		assertThat(ours).as("metadata files declaring asynctasq.*").hasSize(1);
		return properties;
	}

}
