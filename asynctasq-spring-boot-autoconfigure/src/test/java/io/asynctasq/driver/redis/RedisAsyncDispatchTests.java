package io.asynctasq.driver.redis;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On Lettuce, {@code dispatchAsync} holds no thread while Redis works: with writes paused on the server
 * ({@code CLIENT PAUSE ... WRITE}), twenty dispatches on a dispatch executor of one thread have all been written
 * to Redis and left that thread idle, and they complete once Redis answers. A driver call that waited for its
 * reply would keep the one thread busy and the other nineteen queued behind it.
 */
class RedisAsyncDispatchTests {

	private static final int DISPATCHES = 20;

	private final String prefix = "async-dispatch-" + UUID.randomUUID().toString().substring(0, 8);

	private final LettuceConnectionFactory factory = RedisTestSupport.connectionFactory("asynctasq-async-test");

	private final ThreadPoolExecutor oneThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
			new LinkedBlockingQueue<>());

	@AfterEach
	void cleanUp() throws Exception {
		redis("CLIENT", "UNPAUSE");
		this.oneThread.shutdownNow();
		this.factory.destroy();
		RedisTestSupport.deleteKeys(this.prefix);
	}

	@Test
	void dispatchesWaitingForAPausedRedisLeaveTheDispatchThreadIdleAndCompleteWhenItAnswers() throws Exception {
		RedisDriver driver = new RedisDriver(this.factory, this.prefix);
		TaskRegistry registry = new TaskRegistry();
		new AnnotatedTasks(null).registerTasksOf(new Noop(), registry);
		DefaultTaskDispatcher dispatcher = new DefaultTaskDispatcher(driver, registry, new PayloadCodec(), "default",
				this.oneThread, (event) -> {
				}, Duration.ofSeconds(30), 1024 * 1024);
		dispatcher.dispatch("async.noop"); // the connection open and the script loaded

		redis("CLIENT", "PAUSE", "5000", "WRITE");
		List<CompletableFuture<String>> dispatched = new ArrayList<>();
		for (int i = 0; i < DISPATCHES; i++) {
			dispatched.add(dispatcher.dispatchAsync("async.noop"));
		}

		await().atMost(Duration.ofSeconds(3))
			.until(() -> this.oneThread.getCompletedTaskCount() >= 1 + DISPATCHES && this.oneThread.getActiveCount() == 0
					&& this.oneThread.getQueue().isEmpty());
		assertThat(dispatched).as("Redis has not answered yet").noneMatch(CompletableFuture::isDone);

		redis("CLIENT", "UNPAUSE");
		await().atMost(Duration.ofSeconds(20)).until(() -> dispatched.stream().allMatch(CompletableFuture::isDone));
		assertThat(dispatched).allSatisfy((future) -> assertThat(future).isCompleted());
		assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1 + DISPATCHES, 0, 0, 0));
	}

	/** Sends one command on a connection of its own, outside every client the test checks. */
	private static void redis(String... command) throws IOException {
		try (Socket socket = new Socket(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
			socket.setSoTimeout(5000);
			StringBuilder resp = new StringBuilder("*").append(command.length).append("\r\n");
			for (String part : command) {
				resp.append('$').append(part.length()).append("\r\n").append(part).append("\r\n");
			}
			OutputStream out = socket.getOutputStream();
			out.write(resp.toString().getBytes(StandardCharsets.US_ASCII));
			out.flush();
			int first = socket.getInputStream().read();
			assertThat((char) first).as("the reply to " + String.join(" ", command)).isEqualTo('+');
		}
	}

	static class Noop {

		@Task(name = "async.noop")
		public void noop() {
		}

	}

}
