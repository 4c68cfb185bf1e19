package io.asynctasq.driver.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The worker {@link RedisWorkerCrashTests} kills: a separate JVM whose tasks start, say so in Redis
 * ({@code SADD <prefix>:started <n>}), and never finish, so it is killed in the middle of them.
 * Arguments: key prefix, queue.
 */
public final class CrashingWorkerMain {

	private CrashingWorkerMain() {
	}

	public static void main(String[] args) throws InterruptedException {
		String prefix = args[0];
		String queue = args[1];
		LettuceConnectionFactory connectionFactory = RedisTestSupport.connectionFactory("asynctasq-crashing-worker");
		AsyncTasqRuntime runtime = AsyncTasq.builder()
			.driver(new RedisDriver(connectionFactory, prefix, "asynctasq-crashing-worker"))
			.tasks(new NeverEndingTasks(connectionFactory, prefix))
			.queues(queue)
			.concurrency(4)
			.prefetch(0) // exactly the running tasks are in flight when the process dies
			.pollInterval(Duration.ofMillis(200))
			.taskDefaults(new TaskOptions(queue, 3, null, Duration.ofMillis(100), null, null, 0.0, Duration.ofSeconds(2)))
			.build();
		System.out.println("crashing worker online: " + runtime.worker().workerId());
		new CountDownLatch(1).await();
	}

	/** Registers the task under the name the test dispatches, and never finishes it. */
	public static final class NeverEndingTasks {

		private final LettuceConnectionFactory connectionFactory;

		private final String prefix;

		NeverEndingTasks(LettuceConnectionFactory connectionFactory, String prefix) {
			this.connectionFactory = connectionFactory;
			this.prefix = prefix;
		}

		@Task(name = "crash-test.work")
		public void work(int number, TaskContext context) throws InterruptedException {
			try (RedisConnection connection = this.connectionFactory.getConnection()) {
				connection.setCommands()
					.sAdd((this.prefix + ":started").getBytes(StandardCharsets.UTF_8),
							Integer.toString(number).getBytes(StandardCharsets.UTF_8));
			}
			new CountDownLatch(1).await();
		}

	}

}
