package io.asynctasq.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import io.asynctasq.Task;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.driver.QueueCounts;
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
import io.asynctasq.driver.sqs.ElasticMqServer;
import io.asynctasq.driver.sqs.SqsDriver;
import io.asynctasq.driver.tck.CuttableProxy;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code dispatchAsync} holds no thread while the backend works, where the client is asynchronous. The backend
 * sits behind a proxy that holds its replies; twenty dispatches go to a dispatch executor of one thread. On
 * Redis, RabbitMQ and SQS all twenty are sent and that thread is idle before any reply comes; they complete
 * once the replies pass. On JDBC, whose client has no asynchronous call, the one thread waits in the first
 * {@code INSERT} and the other nineteen wait in its queue: the contrast that shows the check can fail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AsyncEnqueueTests {

	private static final int DISPATCHES = 20;

	private static final int WARM_UP = 16;

	private final String namespace = "async" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private final ThreadPoolExecutor oneThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
			new LinkedBlockingQueue<>());

	private final List<AutoCloseable> closeAfter = new ArrayList<>();

	@AfterEach
	void closeEverything() throws Exception {
		this.oneThread.shutdownNow();
		for (int i = this.closeAfter.size() - 1; i >= 0; i--) {
			this.closeAfter.get(i).close();
		}
	}

	@ParameterizedTest
	@EnumSource(Backend.class)
	void dispatchesWaitingForTheirRepliesHoldTheOneDispatchThreadOnlyWhereTheClientIsBlocking(Backend backend)
			throws Exception {
		CuttableProxy proxy = new CuttableProxy(backend.serverPort());
		QueueDriver driver = backend.driver(this.namespace, proxy.port(), this.closeAfter);
		this.closeAfter.add(proxy);
		TaskRegistry registry = new TaskRegistry();
		new AnnotatedTasks(null).registerTasksOf(new Noop(), registry);
		DefaultTaskDispatcher dispatcher = new DefaultTaskDispatcher(driver, registry, new PayloadCodec(), "default",
				this.oneThread, (event) -> {
				}, Duration.ofSeconds(60), 1024 * 1024);
		for (int i = 0; i < WARM_UP; i++) {
			dispatcher.dispatch("async.noop"); // connections and channels open, queue and script in place
		}

		proxy.holdReplies();
		List<CompletableFuture<String>> dispatched = new ArrayList<>();
		for (int i = 0; i < DISPATCHES; i++) {
			dispatched.add(dispatcher.dispatchAsync("async.noop"));
		}
		if (backend.asynchronous) {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.oneThread.getCompletedTaskCount() >= WARM_UP + DISPATCHES
						&& this.oneThread.getActiveCount() == 0 && this.oneThread.getQueue().isEmpty());
		}
		else {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.oneThread.getActiveCount() == 1 && this.oneThread.getQueue().size() == DISPATCHES - 1);
		}
		assertThat(dispatched).as("no reply has come").noneMatch(CompletableFuture::isDone);

		proxy.releaseReplies();
		await().atMost(Duration.ofSeconds(30)).until(() -> dispatched.stream().allMatch(CompletableFuture::isDone));
		assertThat(dispatched).allSatisfy((future) -> assertThat(future).isCompleted());
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(driver.counts("default").ready()).isEqualTo(WARM_UP + DISPATCHES));
	}

	enum Backend {

		REDIS(true) {
			@Override
			int serverPort() {
				return 6379;
			}

			@Override
			QueueDriver driver(String namespace, int port, List<AutoCloseable> closeAfter) {
				LettuceConnectionFactory factory = new LettuceConnectionFactory(
						new RedisStandaloneConfiguration("127.0.0.1", port));
				factory.afterPropertiesSet();
				factory.start();
				closeAfter.add(() -> RedisTestSupport.deleteKeys(namespace));
				closeAfter.add(factory::destroy);
				return driverClosedAfter(new RedisDriver(factory, namespace), closeAfter);
			}
		},

		RABBITMQ(true) {
			@Override
			int serverPort() {
				return 5672;
			}

			@Override
			QueueDriver driver(String namespace, int port, List<AutoCloseable> closeAfter) {
				CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", port);
				closeAfter.add(() -> RabbitTestBroker.deleteTopology(namespace, List.of("default")));
				closeAfter.add(factory::destroy);
				return driverClosedAfter(
						new RabbitDriver(factory, namespace, RabbitQueueType.CLASSIC, Duration.ofSeconds(30), 0),
						closeAfter);
			}
		},

		SQS(true) {
			private ElasticMqServer server;

			@Override
			int serverPort() {
				this.server = ElasticMqServer.start();
				return this.server.port();
			}

			@Override
			QueueDriver driver(String namespace, int port, List<AutoCloseable> closeAfter) {
				ElasticMqServer started = this.server;
				closeAfter.add(started);
				return driverClosedAfter(new SqsDriver(ElasticMqServer.client(port), true, namespace + "-", true,
						SqsDriver.DEFAULT_MAX_MESSAGE_SIZE, SqsDriver.DEFAULT_MAX_DELAY, Duration.ofSeconds(60)),
						closeAfter);
			}
		},

		POSTGRESQL(false) {
			@Override
			int serverPort() {
				return 5432;
			}

			@Override
			QueueDriver driver(String namespace, int port, List<AutoCloseable> closeAfter) {
				HikariDataSource dataSource = new HikariDataSource();
				dataSource.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/test");
				dataSource.setUsername("postgres");
				String tables = namespace + "_";
				JdbcSchema.create(dataSource, JdbcDialect.POSTGRESQL, tables);
				closeAfter.add(() -> {
					dataSource.close();
					try (HikariDataSource direct = new HikariDataSource()) {
						direct.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
						direct.setUsername("postgres");
						JdbcSchema.drop(direct, tables);
					}
				});
				return driverClosedAfter(
						new JdbcDriver(dataSource, JdbcDriverOptions.defaults().withTablePrefix(tables)), closeAfter);
			}
		};

		/** Whether the driver's client answers without a thread waiting. */
		final boolean asynchronous;

		Backend(boolean asynchronous) {
			this.asynchronous = asynchronous;
		}

		/** The port of the real server (started by the test where it runs in this JVM). */
		abstract int serverPort();

		abstract QueueDriver driver(String namespace, int port, List<AutoCloseable> closeAfter);

		private static QueueDriver driverClosedAfter(QueueDriver driver, List<AutoCloseable> closeAfter) {
			closeAfter.add(driver::close);
			return driver;
		}

	}

	static class Noop {

		@Task(name = "async.noop")
		public void noop() {
		}

	}

}
