package io.asynctasq.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.jdbc.JdbcDriverOptions;
import io.asynctasq.driver.jdbc.JdbcSchema;
import io.asynctasq.driver.rabbitmq.RabbitDriver;
import io.asynctasq.driver.rabbitmq.RabbitQueueType;
import io.asynctasq.driver.rabbitmq.RabbitTestBroker;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionNameStrategy;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cleanup as the servers see it. After a context close, a runtime close, or the JVM shutdown hook of a runtime
 * the program never closed, nothing the library opened is left: no connection it opened (counted on the server
 * by the client name the test gives them), no consumer on a queue, no thread of the library or of a client it
 * created. What the application owns (the connection factory it gave the runtime) stays open until the
 * application closes it, and a normal shutdown logs no warning.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerSideCleanupTests {

	private static final Pattern WARNING = Pattern.compile("(?m)^.*\\b(WARN|ERROR)\\b.*$");

	private static final Duration CLEANUP = Duration.ofSeconds(15);

	private final String name = "cleanup-" + UUID.randomUUID().toString().substring(0, 8);

	private final String prefix = "cleanup" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private final CleanupTasks tasks = new CleanupTasks();

	private final Set<Thread> threadsBefore = ServerConnections.clientThreads();

	private Backend backend;

	@AfterEach
	void deleteWhatTheTestStored() {
		if (this.backend != null) {
			this.backend.deleteData(this.prefix);
		}
	}

	@ParameterizedTest
	@EnumSource(Backend.class)
	void closingTheApplicationContextReleasesEveryConnectionAndThread(Backend backend, CapturedOutput output) {
		this.backend = backend;
		ConfigurableApplicationContext context = new SpringApplicationBuilder(CleanupApplication.class)
			.web(WebApplicationType.NONE)
			.properties(backend.springProperties(this.name, this.prefix))
			.initializers((initialized) -> backend.registerBeans((GenericApplicationContext) initialized, this.name))
			.run();
		context.getBean(TaskDispatcher.class).dispatch("cleanup.echo", "hello");
		await().atMost(Duration.ofSeconds(20)).until(() -> context.getBean(CleanupTasks.class).runs.get() == 1);
		backend.assertOpenedByTheLibrary(this.name, this.prefix);
		int closedFrom = output.getAll().length();

		context.close();

		await().atMost(CLEANUP).untilAsserted(() -> assertThat(backend.connections(this.name)).isZero());
		assertLibraryAndClientThreadsAreGone();
		assertNoWarningSince(output, closedFrom);
	}

	@ParameterizedTest
	@EnumSource(Backend.class)
	void closingTheRuntimeReleasesWhatTheLibraryOpenedAndLeavesTheApplicationsFactoryToIt(Backend backend,
			CapturedOutput output) {
		this.backend = backend;
		Object client = backend.client(this.name);
		AsyncTasqRuntime runtime = runOneTask(backend, client);
		int closedFrom = output.getAll().length();

		runtime.close();

		await().atMost(CLEANUP).untilAsserted(() -> backend.assertReleasedByTheLibrary(this.name, this.prefix));
		assertNoWarningSince(output, closedFrom);
		backend.closeClient(client);
		await().atMost(CLEANUP).untilAsserted(() -> assertThat(backend.connections(this.name)).isZero());
		assertLibraryAndClientThreadsAreGone();
	}

	@ParameterizedTest
	@EnumSource(Backend.class)
	void theShutdownHookOfARuntimeNeverClosedReleasesWhatTheLibraryOpened(Backend backend, CapturedOutput output)
			throws InterruptedException {
		this.backend = backend;
		Object client = backend.client(this.name);
		AsyncTasqRuntime runtime = runOneTask(backend, client);
		Thread hook = runtime.shutdownHook();
		int closedFrom = output.getAll().length();

		// registered with the JVM; take it over and run it as the JVM does on exit
		assertThat(Runtime.getRuntime().removeShutdownHook(hook)).isTrue();
		hook.start();
		hook.join(TimeUnit.SECONDS.toMillis(30));

		assertThat(hook.isAlive()).isFalse();
		assertThat(output.getAll().substring(closedFrom)).contains("AsyncTasQ runtime closed by the JVM shutdown hook");
		await().atMost(CLEANUP).untilAsserted(() -> backend.assertReleasedByTheLibrary(this.name, this.prefix));
		assertNoWarningSince(output, closedFrom);
		backend.closeClient(client);
		await().atMost(CLEANUP).untilAsserted(() -> assertThat(backend.connections(this.name)).isZero());
		assertLibraryAndClientThreadsAreGone();
	}

	private AsyncTasqRuntime runOneTask(Backend backend, Object client) {
		AsyncTasqRuntime runtime = AsyncTasq.builder()
			.driver(backend.driver(client, this.name, this.prefix))
			.tasks(this.tasks)
			.pollInterval(Duration.ofMillis(100))
			.build();
		runtime.dispatcher().dispatch("cleanup.echo", "hello");
		await().atMost(Duration.ofSeconds(20)).until(() -> this.tasks.runs.get() == 1);
		backend.assertOpenedByTheLibrary(this.name, this.prefix);
		return runtime;
	}

	private void assertLibraryAndClientThreadsAreGone() {
		await().atMost(CLEANUP)
			.untilAsserted(() -> assertThat(ServerConnections.clientThreadsSince(this.threadsBefore)).isEmpty());
	}

	private static void assertNoWarningSince(CapturedOutput output, int from) {
		assertThat(WARNING.matcher(output.getAll().substring(from)).results().map((match) -> match.group()).toList())
			.as("warnings logged by a normal shutdown")
			.isEmpty();
	}

	/** A backend as the application gives it: Spring Boot properties, or a client of its own for the builder. */
	enum Backend {

		REDIS {
			@Override
			String[] springProperties(String name, String prefix) {
				return new String[] { "asynctasq.driver=redis", "spring.data.redis.host=127.0.0.1",
						"spring.data.redis.client-name=" + name, "asynctasq.redis.client-name=" + waitName(name),
						"asynctasq.redis.key-prefix=" + prefix };
			}

			@Override
			Object client(String name) {
				return RedisTestSupport.connectionFactory(name);
			}

			@Override
			QueueDriver driver(Object client, String name, String prefix) {
				return new RedisDriver((LettuceConnectionFactory) client, prefix, waitName(name));
			}

			@Override
			long connections(String name) {
				return ServerConnections.redis(name) + ServerConnections.redis(waitName(name));
			}

			@Override
			void assertOpenedByTheLibrary(String name, String prefix) {
				// the idle worker waits on a connection of its own, named as the driver was told
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(ServerConnections.redis(waitName(name))).isPositive());
			}

			@Override
			void assertReleasedByTheLibrary(String name, String prefix) {
				// the connections it opened for blocking waits; the factory's own belong to the application
				assertThat(ServerConnections.redis(waitName(name))).isZero();
			}

			@Override
			void closeClient(Object client) {
				((LettuceConnectionFactory) client).destroy();
			}

			@Override
			void deleteData(String prefix) {
				RedisTestSupport.deleteKeys(prefix);
			}

			private String waitName(String name) {
				return name + "-wait";
			}
		},

		POSTGRESQL {
			@Override
			String[] springProperties(String name, String prefix) {
				return new String[] { "asynctasq.driver=jdbc", "spring.datasource.url=" + url(name),
						"spring.datasource.username=postgres", "asynctasq.jdbc.initialize-schema=always",
						"asynctasq.jdbc.table-prefix=" + prefix + "_" };
			}

			@Override
			Object client(String name) {
				// no pool: every connection the driver holds is one the server sees
				return new SimpleDriverDataSource(new org.postgresql.Driver(), url(name), "postgres", "");
			}

			@Override
			QueueDriver driver(Object client, String name, String prefix) {
				DataSource dataSource = (DataSource) client;
				JdbcSchema.create(dataSource, JdbcDialect.POSTGRESQL, prefix + "_");
				return new JdbcDriver(dataSource, JdbcDriverOptions.defaults().withTablePrefix(prefix + "_"));
			}

			@Override
			long connections(String name) {
				return ServerConnections.postgres(name);
			}

			@Override
			void assertOpenedByTheLibrary(String name, String prefix) {
				// the connection listening for notifications at least
				assertThat(connections(name)).isPositive();
			}

			@Override
			void assertReleasedByTheLibrary(String name, String prefix) {
				assertThat(connections(name)).isZero();
			}

			@Override
			void closeClient(Object client) {
				// nothing to close: the data source holds no connection
			}

			@Override
			void deleteData(String prefix) {
				JdbcSchema.drop(new SimpleDriverDataSource(new org.postgresql.Driver(), ServerConnections.POSTGRES_URL,
						"postgres", ""), prefix + "_");
			}

			private String url(String name) {
				return ServerConnections.POSTGRES_URL + "?ApplicationName=" + name;
			}
		},

		RABBITMQ {
			@Override
			String[] springProperties(String name, String prefix) {
				return new String[] { "asynctasq.driver=rabbitmq", "spring.rabbitmq.host=127.0.0.1",
						"asynctasq.rabbitmq.prefix=" + prefix };
			}

			@Override
			void registerBeans(GenericApplicationContext context, String name) {
				context.registerBean(ConnectionNameStrategy.class, () -> (factory) -> name);
			}

			@Override
			Object client(String name) {
				CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", 5672);
				factory.setUsername("guest");
				factory.setPassword("guest");
				factory.setConnectionNameStrategy((connectionFactory) -> name);
				return factory;
			}

			@Override
			QueueDriver driver(Object client, String name, String prefix) {
				return new RabbitDriver((CachingConnectionFactory) client, prefix, RabbitQueueType.CLASSIC,
						Duration.ofSeconds(5), 0);
			}

			@Override
			long connections(String name) {
				return ServerConnections.rabbitConnections(name);
			}

			@Override
			void assertOpenedByTheLibrary(String name, String prefix) {
				assertThat(connections(name)).isPositive();
				assertThat(ServerConnections.rabbitConsumers(prefix)).isPositive();
			}

			@Override
			void assertReleasedByTheLibrary(String name, String prefix) {
				// its consumers and channels; the connection is the application's factory's
				assertThat(ServerConnections.rabbitConsumers(prefix)).isZero();
			}

			@Override
			void closeClient(Object client) {
				((CachingConnectionFactory) client).destroy();
			}

			@Override
			void deleteData(String prefix) {
				RabbitTestBroker.deleteTopology(prefix, List.of("default"));
			}
		};

		abstract String[] springProperties(String name, String prefix);

		void registerBeans(GenericApplicationContext context, String name) {
		}

		/** The client the application creates and owns, its connections named {@code name}. */
		abstract Object client(String name);

		abstract QueueDriver driver(Object client, String name, String prefix);

		/** Connections the server has from clients named {@code name}. */
		abstract long connections(String name);

		abstract void assertOpenedByTheLibrary(String name, String prefix);

		abstract void assertReleasedByTheLibrary(String name, String prefix);

		abstract void closeClient(Object client);

		abstract void deleteData(String prefix);

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class CleanupApplication {

		@Bean
		CleanupTasks cleanupTasks() {
			return new CleanupTasks();
		}

	}

	public static class CleanupTasks {

		final AtomicInteger runs = new AtomicInteger();

		@Task(name = "cleanup.echo")
		public String echo(String text) {
			this.runs.incrementAndGet();
			return text;
		}

	}

}
