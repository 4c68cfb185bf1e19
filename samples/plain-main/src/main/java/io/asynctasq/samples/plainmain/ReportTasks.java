package io.asynctasq.samples.plainmain;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.asynctasq.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sample's task: builds a report for a region, and counts down so {@code main} knows when all ran. */
public class ReportTasks {

	private static final Logger logger = LoggerFactory.getLogger(ReportTasks.class);

	private final CountDownLatch remaining;

	ReportTasks(int expected) {
		this.remaining = new CountDownLatch(expected);
	}

	@Task(name = "build-report")
	public void buildReport(String region) {
		logger.info("Report for {} built", region);
		this.remaining.countDown();
	}

	/** Whether every expected report was built within {@code timeout}. */
	boolean awaitAll(Duration timeout) throws InterruptedException {
		return this.remaining.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

}
