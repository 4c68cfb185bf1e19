package io.asynctasq.dispatch.reactive;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import io.asynctasq.Task;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.jdbc.JdbcDriverOptions;
import io.asynctasq.driver.jdbc.JdbcSchema;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.driver.rabbitmq.RabbitDriver;
import io.asynctasq.driver.rabbitmq.RabbitQueueType;
import io.asynctasq.driver.rabbitmq.RabbitTestBroker;
import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Measures the reactive dispatcher per driver (not a test: run its {@code main} by hand, see docs/reactive.md):
 * the time a subscription holds the subscribing thread, the latency until the id is emitted, and the rate of
 * dispatches with 64 in flight, next to the blocking dispatch's latency.
 */
public final class ReactiveDispatchMeasurement {

	private static final int N = 5_000;

	private ReactiveDispatchMeasurement() {
	}

	public static void main(String[] args) throws Exception {
		measure("memory", new MemoryDriver(), () -> {
		});
		String prefix = "measure-" + UUID.randomUUID();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(null);
		measure("redis", new RedisDriver(factory, prefix), () -> {
			RedisTestSupport.deleteKeys(factory, prefix);
			factory.destroy();
		});
		String exchange = "measure-" + UUID.randomUUID().toString().substring(0, 12);
		CachingConnectionFactory rabbit = new CachingConnectionFactory("127.0.0.1", 5672);
		measure("rabbitmq", new RabbitDriver(rabbit, exchange, RabbitQueueType.CLASSIC, Duration.ofSeconds(10), 0),
				() -> {
					RabbitTestBroker.deleteTopology(exchange, List.of("default"));
					rabbit.destroy();
				});
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
		dataSource.setUsername("postgres");
		dataSource.setMaximumPoolSize(16);
		String tables = "measure_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
		JdbcSchema.create(dataSource, JdbcDialect.POSTGRESQL, tables);
		measure("jdbc (PostgreSQL)",
				new JdbcDriver(dataSource, JdbcDriverOptions.defaults().withTablePrefix(tables)), () -> {
					JdbcSchema.drop(dataSource, tables);
					dataSource.close();
				});
		Schedulers.shutdownNow();
	}

	private static void measure(String name, QueueDriver driver, Runnable cleanUp) throws Exception {
		try (AsyncTasqRuntime runtime = AsyncTasq.builder().driver(driver).tasks(new Jobs()).worker(false).build()) {
			ReactiveTaskDispatcher reactive = runtime.reactiveDispatcher();
			for (int i = 0; i < 2_000; i++) {
				reactive.dispatch("Jobs.run", "warm-up", i).block(Duration.ofSeconds(5));
				runtime.dispatcher().dispatch("Jobs.run", "warm-up", i);
			}
			long[] held = new long[N];
			long[] latency = new long[N];
			for (int i = 0; i < N; i++) {
				CountDownLatch done = new CountDownLatch(1);
				Mono<String> dispatch = reactive.dispatch("Jobs.run", "latency", i);
				long start = System.nanoTime();
				dispatch.subscribe((id) -> done.countDown());
				held[i] = System.nanoTime() - start;
				if (!done.await(5, TimeUnit.SECONDS)) {
					throw new IllegalStateException("no id within 5 s");
				}
				latency[i] = System.nanoTime() - start;
			}
			long[] blocking = new long[N];
			for (int i = 0; i < N; i++) {
				long start = System.nanoTime();
				runtime.dispatcher().dispatch("Jobs.run", "blocking", i);
				blocking[i] = System.nanoTime() - start;
			}
			long start = System.nanoTime();
			Long count = Flux.range(0, N)
				.flatMap((i) -> reactive.dispatch("Jobs.run", "rate", i), 64)
				.count()
				.subscribeOn(Schedulers.parallel())
				.block(Duration.ofMinutes(2));
			double seconds = (System.nanoTime() - start) / 1e9;
			// an elastic pool keeps the threads it made for 60 s: as many as were ever busy at once
			long threads = Thread.getAllStackTraces()
				.keySet()
				.stream()
				.filter((thread) -> thread.getName().startsWith("asynctasq-dispatch-"))
				.count();
			System.out.printf("| %s | %s | %s | %s | %,.0f/s | %d |%n", name, percentiles(held), percentiles(latency),
					percentiles(blocking), count / seconds, threads);
		}
		finally {
			cleanUp.run();
		}
	}

	private static String percentiles(long[] nanos) {
		long[] sorted = nanos.clone();
		Arrays.sort(sorted);
		return String.format("%.1f / %.1f µs", sorted[sorted.length / 2] / 1e3, sorted[sorted.length * 99 / 100] / 1e3);
	}

	static class Jobs {

		@Task
		public void run(String kind, int index) {
		}

	}

}
