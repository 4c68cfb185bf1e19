package io.asynctasq.driver.sqs;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.task.TaskOptions;

/**
 * The worker that {@link SqsWorkerCrashTests} starts in a separate JVM and kills with SIGKILL: it serves the
 * queues of the given prefix on the ElasticMQ server at the given port with a 2 s visibility timeout (renewed
 * while a task runs) and never finishes a task; it prints {@code STARTED <label>} when one starts.
 */
public final class SqsCrashTestWorker {

	private SqsCrashTestWorker() {
	}

	public static void main(String[] args) throws InterruptedException {
		SqsDriver driver = new SqsDriver(ElasticMqServer.client(Integer.parseInt(args[1])), true, args[0], true,
				SqsDriver.DEFAULT_MAX_MESSAGE_SIZE, SqsDriver.DEFAULT_MAX_DELAY, SqsDriver.DEFAULT_CALL_TIMEOUT);
		AsyncTasq.builder()
			.driver(driver)
			.tasks(new NeverEndingTasks())
			.concurrency(2)
			.prefetch(0) // exactly the running tasks are in flight when the process dies
			.pollInterval(Duration.ofMillis(200))
			.taskDefaults(new TaskOptions(null, 5, null, Duration.ZERO, null, null, 0.0, Duration.ofSeconds(2)))
			.build();
		System.out.println("READY");
		System.out.flush();
		Thread.currentThread().join();
	}

	static final class NeverEndingTasks {

		@Task(name = "crash.work")
		public void work(String label, TaskContext context) throws InterruptedException {
			System.out.println("STARTED " + label + " attempt " + context.attempt());
			System.out.flush();
			new CountDownLatch(1).await(); // runs until the test kills this process
		}

	}

}
