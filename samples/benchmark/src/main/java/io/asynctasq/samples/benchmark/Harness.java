package io.asynctasq.samples.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.dispatch.DefaultTaskDispatcher;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.AsyncTasqEventRecorder;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.metrics.AsyncTasqMetrics;
import io.asynctasq.task.AnnotatedTasks;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import io.asynctasq.worker.ExecutorMode;
import io.asynctasq.worker.Worker;
import io.asynctasq.worker.WorkerSettings;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * A driver, a dispatcher and a (not yet started) worker serving one or more queues, closed in shutdown
 * order. Dispatches go to the first queue unless a scenario names another.
 */
final class Harness implements AutoCloseable {

	final TaskProbe probe = new TaskProbe();

	final String queue;

	final List<String> queues;

	final QueueDriver driver;

	final DefaultTaskDispatcher dispatcher;

	final Worker worker;

	Harness(DriverSetup setup, int concurrency, String queue) {
		this(setup, concurrency, List.of(queue), null);
	}

	/**
	 * @param observed where AsyncTasQ's meters ({@link AsyncTasqMetrics}: tasks, their waits and executions,
	 * driver calls) are recorded and how dispatches and executions are traced; {@code null} for neither
	 */
	Harness(DriverSetup setup, int concurrency, List<String> queues, @Nullable Observed observed) {
		MeterRegistry metrics = (observed != null) ? observed.meters : null;
		this.queues = List.copyOf(queues);
		this.queue = queues.get(0);
		queues.forEach(setup::queueUsed);
		this.driver = setup.createDriver();
		TaskRegistry registry = new TaskRegistry();
		new AnnotatedTasks(null).registerTasksOf(this.probe, registry);
		PayloadCodec codec = new PayloadCodec();
		AsyncTasqEventListener probeListener = (event) -> {
			if (event instanceof TaskEvent.Completed) {
				this.probe.currentRun().completed();
			}
		};
		List<AsyncTasqEventRecorder> recorders = List.of();
		if (metrics != null) {
			AsyncTasqMetrics meters = new AsyncTasqMetrics(metrics, this.driver.name(), null, List::of, () -> null);
			DriverFacade.of(this.driver).listenToCalls(meters);
			recorders = List.of(meters);
		}
		AsyncTasqEventListener listener = AsyncTasqEventListener.withRecorders(probeListener, recorders);
		this.dispatcher = new DefaultTaskDispatcher(this.driver, registry, codec, this.queue, Runnable::run,
				AsyncTasqEventListener.withRecorders(AsyncTasqEventListener.NONE, recorders));
		TaskOptions defaults = new TaskOptions(this.queue, 3, Duration.ZERO, Duration.ofSeconds(1), null, null, 0.0,
				Duration.ofSeconds(60)).orElse(TaskOptions.DEFAULTS);
		this.worker = new Worker(this.driver, registry, codec, new WorkerSettings(this.queues, concurrency, concurrency,
				Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(10), ExecutorMode.AUTO, defaults),
				listener);
		if (observed != null) {
			this.dispatcher.setTaskObserver(observed.observer);
			this.worker.setTaskObserver(observed.observer);
		}
	}

	/**
	 * Dispatches {@code tasks} probe tasks to {@link #queue} from {@code producers} threads started together,
	 * in batches ({@code dispatchAll}; 1 = one {@code dispatch} per task); answers the nanoseconds taken.
	 */
	long dispatch(int tasks, int producers, int batch) throws InterruptedException {
		int threads = Math.min(producers, tasks);
		CountDownLatch ready = new CountDownLatch(threads);
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> started = new ArrayList<>();
		for (int p = 0; p < threads; p++) {
			int share = tasks / threads + ((p < tasks % threads) ? 1 : 0);
			Thread producer = new Thread(() -> {
				ready.countDown();
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				for (int sent = 0; sent < share; sent += batch) {
					int size = Math.min(batch, share - sent);
					if (size == 1) {
						this.dispatcher.task(TaskProbe.TASK).onQueue(this.queue).dispatch(System.nanoTime());
						continue;
					}
					List<Object[]> arguments = new ArrayList<>(size);
					long now = System.nanoTime();
					for (int i = 0; i < size; i++) {
						arguments.add(new Object[] { now });
					}
					this.dispatcher.task(TaskProbe.TASK).onQueue(this.queue).dispatchAll(arguments);
				}
			}, "bench-producer-" + p);
			producer.start();
			started.add(producer);
		}
		ready.await();
		long start = System.nanoTime();
		go.countDown();
		for (Thread thread : started) {
			thread.join();
		}
		return System.nanoTime() - start;
	}

	/**
	 * Dispatches {@code tasks} probe tasks one at a time at {@code ratePerSecond}, in turn to each of
	 * {@link #queues}, to the started worker; answers dispatch→start p50, p99 and max in milliseconds.
	 */
	double[] trickle(int tasks, int ratePerSecond, Duration timeout) throws InterruptedException {
		TaskProbe.Run run = this.probe.begin(tasks);
		long interval = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
		long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
		for (int i = 0; i < tasks; i++) {
			long wait;
			while ((wait = next - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			this.dispatcher.task(TaskProbe.TASK).onQueue(this.queues.get(i % this.queues.size())).dispatch(System.nanoTime());
			next += interval;
		}
		if (!run.await(timeout.toSeconds(), TimeUnit.SECONDS)) {
			throw new IllegalStateException("Trickle did not finish within " + timeout);
		}
		assertDrained();
		return run.latencyMillis();
	}

	void assertDrained() {
		for (String name : this.queues) {
			QueueCounts counts = this.driver.counts(name);
			if (!counts.equals(QueueCounts.EMPTY)) {
				throw new IllegalStateException("Queue " + name + " not drained: " + counts);
			}
		}
	}

	@Override
	public void close() {
		this.worker.stop();
		this.worker.close();
		this.dispatcher.close();
		this.driver.close();
	}

}
