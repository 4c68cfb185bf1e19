package io.asynctasq.driver.rabbitmq;

import static io.asynctasq.driver.tck.PoisonTasks.LONG_AGO;
import static io.asynctasq.driver.tck.PoisonTasks.bytes;
import static io.asynctasq.driver.tck.PoisonTasks.envelope;
import static io.asynctasq.driver.tck.PoisonTasks.failing;
import static io.asynctasq.driver.tck.PoisonTasks.noting;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import io.asynctasq.driver.DeadLetter;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.tck.PoisonTasks;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * Malformed and foreign messages published straight to a work queue with the plain client, between tasks
 * dispatched normally, under a real worker: every valid task runs once, each malformed message is
 * dead-lettered once with its reason and never run, no task runs past its attempts, and the queue goes on.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RabbitPoisonMessageTests {

	private static final int VALID = 40;

	private static final int MAX_ATTEMPTS = 3;

	@Test
	void malformedMessagesAreDeadLetteredOnceWithTheirReasonAndValidTasksRunOnce() throws Exception {
		PoisonTasks poison = new PoisonTasks();
		List<TaskEvent.DeadLettered> deadLetteredEvents = new CopyOnWriteArrayList<>();
		String queue = "poison";
		String prefix = RabbitTestBroker.newPrefix();
		CachingConnectionFactory factory = RabbitTestBroker.connectionFactory();
		RabbitDriver driver = RabbitTestBroker.driver(factory, prefix);
		AsyncTasqRuntime runtime = poison.runtime(driver, queue, MAX_ATTEMPTS, deadLetteredEvents);
		try {
			// expected dead letters: id -> what its reason starts with
			Map<String, String> expected = new LinkedHashMap<>();
			// and for a corrupt counter, what the dead letter's error message starts with
			Map<String, String> defects = new HashMap<>();
			for (int i = 0; i < VALID / 2; i++) {
				runtime.dispatcher().dispatch("Poison.work", i);
			}
			try (Channel channel = factory.createConnection().createChannel(false)) {
				RabbitTopology topology = driver.topology();
				raw(channel, topology, queue, "garbage-bytes", 0,
						new byte[] { (byte) 0xC3, 0x28, (byte) 0xFF, 0x00, 0x01 });
				expected.put("garbage-bytes", "undecodable payload");
				raw(channel, topology, queue, "wrong-shape-object", 0, bytes("{\"hello\":\"world\"}"));
				expected.put("wrong-shape-object", "undecodable payload");
				raw(channel, topology, queue, "wrong-shape-array", 0, bytes("[1,2,3]"));
				expected.put("wrong-shape-array", "undecodable payload");
				raw(channel, topology, queue, "wrong-argument-type", 0, envelope("Poison.work", "\"not a number\""));
				expected.put("wrong-argument-type", "undecodable arguments");
				raw(channel, topology, queue, "wrong-argument-count", 0, envelope("Poison.work", "1,2"));
				expected.put("wrong-argument-count", "undecodable arguments");
				// a task that would fail on every run: a corrupt counter must not run it at all
				raw(channel, topology, queue, "attempts-int-max", Integer.MAX_VALUE, failing("attempts-int-max"));
				expected.put("attempts-int-max", "corrupt message");
				defects.put("attempts-int-max", "corrupt attempt counter: 2147483647 attempts made");
				raw(channel, topology, queue, "attempts-minus-3", -3, failing("attempts-minus-3"));
				expected.put("attempts-minus-3", "corrupt message");
				defects.put("attempts-minus-3", "corrupt attempt counter: -3 attempts made");
				raw(channel, topology, queue, "attempts-minus-billion", -1_000_000_000,
						failing("attempts-minus-billion"));
				expected.put("attempts-minus-billion", "corrupt message");
				defects.put("attempts-minus-billion", "corrupt attempt counter: -1000000000 attempts made");
				raw(channel, topology, queue, "attempts-text", "abc", failing("attempts-text"));
				expected.put("attempts-text", "foreign message: headers");
				channel.basicPublish("", topology.workQueue(queue),
						new AMQP.BasicProperties.Builder().messageId("no-headers").build(), failing("no-headers"));
				expected.put("no-headers", "foreign message: header asynctasq-queue is missing");
				raw(channel, topology, queue, "huge", 0,
						bytes("{\"task\":\"Poison.work\",\"args\":\"" + "x".repeat(2 * 1024 * 1024)
								+ "\",\"dispatchedAt\":\"" + LONG_AGO + "\"}"));
				expected.put("huge", "undecodable payload");
				int depth = 100_000;
				raw(channel, topology, queue, "deep", 0, envelope("Poison.work", "[".repeat(depth) + "]".repeat(depth)));
				expected.put("deep", "undecodable payload");
				// odd times: a whole number runs (however far off), any other shape is foreign
				Map<String, Object> enqueuedLongAgo = RabbitTestBroker.taskHeaders(queue);
				enqueuedLongAgo.put(TaskHeaders.ENQUEUED_AT, Long.MIN_VALUE);
				RabbitTestBroker.publishRaw(channel, topology, queue, "enqueued-min", enqueuedLongAgo,
						noting("enqueued-min"));
				Map<String, Object> dueLongAgo = RabbitTestBroker.taskHeaders(queue);
				dueLongAgo.put(TaskHeaders.DUE, Long.MIN_VALUE);
				RabbitTestBroker.publishRaw(channel, topology, queue, "due-min", dueLongAgo, noting("due-min"));
				Map<String, Object> enqueuedText = RabbitTestBroker.taskHeaders(queue);
				enqueuedText.put(TaskHeaders.ENQUEUED_AT, "yesterday");
				RabbitTestBroker.publishRaw(channel, topology, queue, "enqueued-text", enqueuedText,
						noting("enqueued-text"));
				expected.put("enqueued-text", "foreign message: headers");
				Map<String, Object> enqueuedMissing = RabbitTestBroker.taskHeaders(queue);
				enqueuedMissing.remove(TaskHeaders.ENQUEUED_AT);
				RabbitTestBroker.publishRaw(channel, topology, queue, "enqueued-missing", enqueuedMissing,
						noting("enqueued-missing"));
				expected.put("enqueued-missing", "foreign message: headers");
				Map<String, Object> dueFraction = RabbitTestBroker.taskHeaders(queue);
				dueFraction.put(TaskHeaders.DUE, 1.5e300);
				RabbitTestBroker.publishRaw(channel, topology, queue, "due-fraction", dueFraction,
						noting("due-fraction"));
				expected.put("due-fraction", "foreign message: headers");
				// a sound counter from storage: one attempt made, so two are left
				raw(channel, topology, queue, "attempts-one", 1, failing("attempts-one"));
				expected.put("attempts-one", "failed");
			}
			String dispatchedFailure = runtime.dispatcher().dispatch("Poison.fail", "dispatched");
			expected.put(dispatchedFailure, "failed");
			for (int i = VALID / 2; i < VALID; i++) {
				runtime.dispatcher().dispatch("Poison.work", i);
			}

			Awaitility.await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100))
				.until(() -> poison.worked.size() == VALID && driver.counts(queue).deadLettered() == expected.size());
			await().untilAsserted(() -> assertThat(driver.counts(queue)).isEqualTo(
					new QueueCounts(0, 0, 0, expected.size())));
			// nothing more happens: no malformed message comes back, no task runs again
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(
					() -> driver.counts(queue).equals(new QueueCounts(0, 0, 0, expected.size())));

			assertThat(poison.worked).as("every valid task ran once").hasSize(VALID)
				.allSatisfy((number, runs) -> assertThat(runs.get()).as("runs of %s", number).isEqualTo(1));
			assertThat(poison.noted).as("tasks with odd but whole times").containsExactlyInAnyOrder("enqueued-min",
					"due-min");
			assertThat(poison.failedRuns()).as("runs of the failing tasks")
				.isEqualTo(Map.of("attempts-one", MAX_ATTEMPTS - 1, "dispatched", MAX_ATTEMPTS));

			List<DeadLetter> deadLetters = driver.deadLetters(queue, 0, 100);
			assertThat(deadLetters).extracting(DeadLetter::id).as("each dead-lettered once")
				.containsExactlyInAnyOrderElementsOf(expected.keySet());
			Map<String, DeadLetter> byId = deadLetters.stream()
				.collect(Collectors.toMap(DeadLetter::id, Function.identity()));
			expected.forEach((id, reason) -> assertThat(byId.get(id).failure().reason()).as("reason of %s", id)
				.startsWith(reason));
			defects.forEach((id, defect) -> assertThat(byId.get(id).failure().errorMessage()).as("defect of %s", id)
				.startsWith(defect));
			assertThat(byId.get("attempts-one").attempts()).isEqualTo(MAX_ATTEMPTS);
			assertThat(byId.get(dispatchedFailure).attempts()).isEqualTo(MAX_ATTEMPTS);
			assertThat(byId.get("huge").message().body()).hasSizeGreaterThan(2 * 1024 * 1024);
			Map<String, Long> eventsPerTask = deadLetteredEvents.stream()
				.collect(Collectors.groupingBy(TaskEvent.DeadLettered::taskId, Collectors.counting()));
			assertThat(eventsPerTask).as("dead-letter events per task").allSatisfy(
					(id, count) -> assertThat(count).as(id).isEqualTo(1));

			// the queue keeps working
			runtime.dispatcher().dispatch("Poison.work", VALID);
			await().until(() -> poison.worked.containsKey(VALID));
		}
		finally {
			runtime.close();
			RabbitTestBroker.deleteTopology(prefix, List.of(queue));
			factory.destroy();
		}
	}

	private static void raw(Channel channel, RabbitTopology topology, String queue, String id, Object attempts,
			byte[] body) throws Exception {
		RabbitTestBroker.publishRaw(channel, topology, queue, id, attempts, body);
	}

	private static ConditionFactory await() {
		return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50));
	}

}
