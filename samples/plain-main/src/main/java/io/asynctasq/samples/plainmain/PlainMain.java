package io.asynctasq.samples.plainmain;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The twin of a script's {@code asyncio.run(main())}: a plain {@code main}, no Spring context. It builds the
 * runtime, dispatches three tasks, waits for them and closes the runtime when it ends.
 * <p>
 * Left open, the runtime is closed by the JVM shutdown hook: with {@code --exit} the program calls
 * {@link System#exit(int)} without closing it; with {@code --leave-open} {@code main} returns and the running
 * worker keeps the JVM alive, as a worker process should, until it is stopped (Ctrl-C, {@code SIGTERM}).
 */
public final class PlainMain {

	private static final Logger logger = LoggerFactory.getLogger(PlainMain.class);

	private static final List<String> REGIONS = List.of("north", "south", "east");

	private PlainMain() {
	}

	public static void main(String[] args) throws InterruptedException {
		boolean leaveOpen = Arrays.asList(args).contains("--leave-open");
		boolean exit = Arrays.asList(args).contains("--exit");
		ReportTasks reports = new ReportTasks(REGIONS.size());
		AsyncTasqRuntime runtime = AsyncTasq.builder()
			.tasks(reports)
			.concurrency(2)
			.pollInterval(Duration.ofMillis(100))
			.build();
		for (String region : REGIONS) {
			runtime.dispatcher().dispatch(ReportTasks::buildReport, region);
		}
		if (!reports.awaitAll(Duration.ofSeconds(30))) {
			runtime.close();
			throw new IllegalStateException("The reports were not built within 30 s");
		}
		if (exit) {
			logger.info("main exits without closing the runtime; the JVM shutdown hook will");
			System.exit(0);
		}
		if (leaveOpen) {
			logger.info("main returns without closing the runtime; the worker runs until the JVM is stopped");
			return;
		}
		runtime.close();
		logger.info("main closed the runtime");
	}

}
