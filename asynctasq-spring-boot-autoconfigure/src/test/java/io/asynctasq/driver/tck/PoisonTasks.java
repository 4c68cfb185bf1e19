package io.asynctasq.driver.tck;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.asynctasq.Backoff;
import io.asynctasq.Task;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import io.asynctasq.task.TaskOptions;

/**
 * The tasks of the per-driver poison tests ({@code Poison.work}, {@code Poison.note}, {@code Poison.fail}),
 * the worker runtime those tests run them in, and the bodies those tests write straight into a backend's
 * storage: task envelopes as the dispatcher writes them, dispatched long enough ago that the rolling-deploy
 * grace for tasks a worker cannot decode has passed.
 */
public class PoisonTasks {

	/** When the envelopes were dispatched. */
	public static final Instant LONG_AGO = Instant.now().minus(Duration.ofDays(2));

	/** Runs of each {@code Poison.work} number. */
	public final Map<Integer, AtomicInteger> worked = new ConcurrentHashMap<>();

	/** Labels of the {@code Poison.fail} runs, one entry per run. */
	public final List<String> failed = new CopyOnWriteArrayList<>();

	/** Labels of the {@code Poison.note} runs. */
	public final List<String> noted = new CopyOnWriteArrayList<>();

	@Task(name = "Poison.note")
	public void note(String label) {
		this.noted.add(label);
	}

	@Task(name = "Poison.work")
	public void work(int number) {
		this.worked.computeIfAbsent(number, (key) -> new AtomicInteger()).incrementAndGet();
	}

	@Task(name = "Poison.fail")
	public void fail(String label) {
		this.failed.add(label);
		throw new IllegalStateException("always fails: " + label);
	}

	/**
	 * A worker runtime on {@code driver} running these tasks on {@code queue}: {@code maxAttempts} attempts with a
	 * fixed 50 ms retry delay and no jitter, 4 workers polling every 100 ms, each dead-letter event added to
	 * {@code deadLettered}. The caller closes it.
	 */
	public AsyncTasqRuntime runtime(QueueDriver driver, String queue, int maxAttempts,
			List<TaskEvent.DeadLettered> deadLettered) {
		return AsyncTasq.builder()
			.driver(driver)
			.tasks(this)
			.taskDefaults(new TaskOptions(queue, maxAttempts, null, Duration.ofMillis(50), Backoff.FIXED, null, 0.0,
					null))
			.concurrency(4)
			.pollInterval(Duration.ofMillis(100))
			.listener((event) -> {
				if (event instanceof TaskEvent.DeadLettered dead) {
					deadLettered.add(dead);
				}
			})
			.build();
	}

	/** Runs of each failing task, by label. */
	public Map<String, Integer> failedRuns() {
		Map<String, Integer> runs = new HashMap<>();
		new ArrayList<>(this.failed).forEach((label) -> runs.merge(label, 1, Integer::sum));
		return runs;
	}

	/** A task envelope dispatched {@link #LONG_AGO}, with {@code args} as its JSON array items. */
	public static byte[] envelope(String task, String args) {
		return bytes("{\"task\":\"" + task + "\",\"args\":[" + args + "],\"dispatchedAt\":\"" + LONG_AGO + "\"}");
	}

	/** The envelope of a {@code Poison.fail} run labelled {@code label}. */
	public static byte[] failing(String label) {
		return envelope("Poison.fail", "\"" + label + "\"");
	}

	/** The envelope of a {@code Poison.note} run labelled {@code label}. */
	public static byte[] noting(String label) {
		return envelope("Poison.note", "\"" + label + "\"");
	}

	public static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
