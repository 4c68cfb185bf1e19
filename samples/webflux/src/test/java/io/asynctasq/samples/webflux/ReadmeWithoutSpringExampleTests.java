package io.asynctasq.samples.webflux;

import java.time.Duration;

import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The README's reactive example without Spring, as written there, on this sample's tasks. */
class ReadmeWithoutSpringExampleTests {

	@Test
	void theRuntimesReactiveDispatcherDispatchesAndTheWorkerRunsTheReactiveTask() {
		ReportTasks tasks = new ReportTasks();
		String dispatched;
		// the README's example, with new ReportTasks() kept in a variable to look at it
		try (AsyncTasqRuntime runtime = AsyncTasq.builder().tasks(tasks).build()) {
			String taskId = runtime.reactiveDispatcher()
				.dispatch("render-report", "q3")
				.subscribeOn(Schedulers.parallel())
				.block(Duration.ofSeconds(5));
			dispatched = taskId;
			await().atMost(Duration.ofSeconds(10)).until(() -> tasks.location("q3") != null);
		}
		assertThat(dispatched).isNotBlank();
		assertThat(tasks.location("q3")).isEqualTo("/files/q3.pdf");
	}

}
