package io.asynctasq.worker;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqRedisAutoConfiguration;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.WorkerHeartbeat;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Worker heartbeats across applications sharing one Redis (127.0.0.1:6379): three workers of two contexts (one
 * context runs one auto-configured worker; the second also runs a standalone one as a bean) are listed by a third
 * context with their fields; a context that closes takes its workers off the listing at once, and a worker whose
 * process is killed drops out once its heartbeat's ttl passed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterWorkersTests {

	private static final Duration INTERVAL = Duration.ofMillis(300);

	private final String prefix = "workers-" + UUID.randomUUID().toString().substring(0, 8);

	private ConfigurableApplicationContext first;

	private ConfigurableApplicationContext second;

	private ConfigurableApplicationContext observer;

	private Process killed;

	@AfterEach
	void cleanUp() {
		if (this.killed != null) {
			this.killed.destroyForcibly();
		}
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { this.first, this.second,
				this.observer }) {
			if (context != null) {
				context.close();
			}
		}
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(null);
		try {
			RedisTestSupport.deleteKeys(factory, this.prefix);
		}
		finally {
			factory.destroy();
		}
	}

	@Test
	void workersOfTwoContextsAreListedByAThird() throws Exception {
		this.first = start(FirstApplication.class, "asynctasq.worker.queues=alpha", "asynctasq.worker.concurrency=2");
		this.second = start(SecondApplication.class, "asynctasq.worker.queues=beta,gamma",
				"asynctasq.worker.concurrency=3");
		this.observer = start(ObserverApplication.class, "asynctasq.worker.enabled=false");
		QueueDriver driver = this.observer.getBean(QueueDriver.class);
		String firstId = this.first.getBean(Worker.class).workerId();
		String secondId = this.second.getBean(Worker.class).workerId();
		String standaloneId = this.second.getBean(StandaloneWorker.class).runtime.worker().workerId();

		this.observer.getBean(TaskDispatcher.class).dispatch("cluster.ping");
		await().untilAsserted(() -> assertThat(driver.workers()).filteredOn((w) -> w.workerId().equals(firstId))
			.singleElement()
			.satisfies((worker) -> assertThat(worker.processed()).isEqualTo(1)));

		List<WorkerHeartbeat> workers = driver.workers();
		assertThat(workers).extracting(WorkerHeartbeat::workerId)
			.containsExactlyElementsOf(List.of(firstId, secondId, standaloneId).stream().sorted().toList());
		String host = InetAddress.getLocalHost().getHostName();
		String version = (Worker.class.getPackage().getImplementationVersion() != null)
				? Worker.class.getPackage().getImplementationVersion() : "unknown";
		for (WorkerHeartbeat worker : workers) {
			assertThat(worker.host()).isEqualTo(host);
			assertThat(worker.pid()).isEqualTo(ProcessHandle.current().pid());
			assertThat(worker.version()).isEqualTo(version);
			assertThat(worker.busy()).isZero();
			assertThat(worker.failed()).isZero();
			assertThat(worker.startedAt()).isBeforeOrEqualTo(worker.lastBeat());
			assertThat(worker.lastBeat()).isAfter(Instant.now().minusSeconds(10));
		}
		assertThat(byId(workers, firstId).queues()).containsExactly("alpha");
		assertThat(byId(workers, firstId).concurrency()).isEqualTo(2);
		assertThat(byId(workers, secondId).queues()).containsExactly("beta", "gamma");
		assertThat(byId(workers, secondId).concurrency()).isEqualTo(3);
		assertThat(byId(workers, secondId).processed()).isZero();
		assertThat(byId(workers, standaloneId).queues()).containsExactly("delta");
		assertThat(byId(workers, standaloneId).concurrency()).isEqualTo(4);

		this.second.close();
		assertThat(driver.workers()).as("right after the second context closed").extracting(WorkerHeartbeat::workerId)
			.containsExactly(firstId);

		this.killed = startBeatingWorker();
		long killedPid = this.killed.pid();
		await().atMost(Duration.ofSeconds(60))
			.until(() -> driver.workers().stream().anyMatch((worker) -> worker.pid() == killedPid));
		assertThat(driver.workers()).filteredOn((worker) -> worker.pid() == killedPid)
			.singleElement()
			.satisfies((worker) -> assertThat(worker.queues()).containsExactly("epsilon"));
		this.killed.destroyForcibly().waitFor();
		long killedAt = System.nanoTime();
		assertThat(driver.workers()).as("right after the kill").hasSize(2);
		await().untilAsserted(() -> assertThat(driver.workers()).extracting(WorkerHeartbeat::workerId)
			.containsExactly(firstId));
		assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).as("gone only once its ttl passed")
			.isLessThanOrEqualTo(INTERVAL.multipliedBy(HeartbeatRecorder.TTL_INTERVALS).plusSeconds(5));
	}

	private ConfigurableApplicationContext start(Class<?> application, String... properties) {
		return new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off", "spring.data.redis.host=127.0.0.1",
					"spring.data.redis.port=6379", "asynctasq.driver=redis", "asynctasq.redis.key-prefix=" + this.prefix,
					"asynctasq.worker.poll-interval=100ms", "asynctasq.worker.heartbeat-interval=" + INTERVAL.toMillis()
							+ "ms")
			.properties(properties)
			.run();
	}

	private Process startBeatingWorker() throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
				System.getProperty("java.class.path"), BeatingWorkerMain.class.getName(), this.prefix, "epsilon",
				INTERVAL.toString());
		File log = new File("target/beating-worker-" + this.prefix + ".log");
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

	private static WorkerHeartbeat byId(List<WorkerHeartbeat> workers, String workerId) {
		return workers.stream().filter((worker) -> worker.workerId().equals(workerId)).findFirst().orElseThrow();
	}

	private static org.awaitility.core.ConditionFactory await() {
		return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, AsyncTasqRedisAutoConfiguration.class,
			AsyncTasqAutoConfiguration.class })
	static class FirstApplication {

		@Bean
		PingTask pingTask() {
			return new PingTask();
		}

	}

	/**
	 * Its context runs a second worker: a standalone runtime on its own driver, same Redis and prefix, closed when
	 * the context stops (in the worker's phase, before the Redis connection factory stops).
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, AsyncTasqRedisAutoConfiguration.class,
			AsyncTasqAutoConfiguration.class })
	static class SecondApplication {

		@Bean
		StandaloneWorker standaloneWorker(RedisConnectionFactory connectionFactory,
				org.springframework.core.env.Environment environment) {
			return new StandaloneWorker(AsyncTasq.builder()
				.driver(new RedisDriver(connectionFactory, environment.getProperty("asynctasq.redis.key-prefix")))
				.queues("delta")
				.concurrency(4)
				.heartbeatInterval(INTERVAL)
				.build());
		}

	}

	/** A standalone runtime as a bean of a context: started when built, closed when the context stops. */
	static final class StandaloneWorker implements SmartLifecycle {

		final AsyncTasqRuntime runtime;

		private volatile boolean running = true;

		StandaloneWorker(AsyncTasqRuntime runtime) {
			this.runtime = runtime;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			this.runtime.close();
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return Worker.DEFAULT_PHASE;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, AsyncTasqRedisAutoConfiguration.class,
			AsyncTasqAutoConfiguration.class })
	static class ObserverApplication {

		@Bean
		PingTask pingTask() {
			return new PingTask();
		}

	}

	public static class PingTask {

		@Task(name = "cluster.ping", queue = "alpha")
		public void ping() {
		}

	}

}
