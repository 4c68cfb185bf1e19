package io.asynctasq.driver.jdbc;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.task.TaskOptions;

/**
 * The worker that {@link PostgresWorkerCrashTests} starts in a separate JVM and kills with SIGKILL: it
 * serves the PostgreSQL tables of the given prefix with a 2 s visibility timeout (renewed while a task
 * runs) and never finishes a task; it prints {@code STARTED <label>} when one starts.
 */
public final class CrashTestWorker {

	private CrashTestWorker() {
	}

	public static void main(String[] args) throws InterruptedException {
		String prefix = args[0];
		JdbcDriver driver = new JdbcDriver(TestDatabases.postgres(),
				JdbcDriverOptions.defaults().withTablePrefix(prefix));
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
