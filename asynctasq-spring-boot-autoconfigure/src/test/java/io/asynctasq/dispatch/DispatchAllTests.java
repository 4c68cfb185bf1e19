package io.asynctasq.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DispatchAllTests {

	private final List<AsyncTasqEvent> events = new CopyOnWriteArrayList<>();

	private final AsyncTasqRuntime runtime = AsyncTasq.builder()
		.tasks(new Jobs())
		.worker(false)
		.listener(this.events::add)
		.build();

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void enqueuesEveryArgumentListAndReturnsTheIdsInOrder() throws InterruptedException {
		List<String> ids = this.runtime.dispatcher()
			.dispatchAll("Jobs.add", List.of(new Object[] { 1, 2 }, new Object[] { 3, 4 }, new Object[] { 5, 6 }));

		assertThat(ids).hasSize(3).doesNotHaveDuplicates();
		List<Reservation> reserved = this.runtime.driver()
			.reserve(List.of("default"), 10, Duration.ofSeconds(30), Duration.ZERO);
		assertThat(reserved).extracting(Reservation::id).containsExactlyElementsOf(ids);
		assertThat(this.events).filteredOn(TaskEvent.Enqueued.class::isInstance)
			.extracting((event) -> ((TaskEvent.Enqueued) event).taskId())
			.containsExactlyElementsOf(ids);
	}

	@Test
	void optionsApplyToEveryTask() {
		this.runtime.dispatcher()
			.task("Jobs.add")
			.onQueue("batch")
			.delay(Duration.ofMinutes(5))
			.dispatchAll(List.of(new Object[] { 1, 2 }, new Object[] { 3, 4 }));

		assertThat(this.runtime.driver().counts("batch")).isEqualTo(new QueueCounts(0, 2, 0, 0));
	}

	@Test
	void oneInvalidArgumentListRejectsTheWholeBatchBeforeAnythingIsSent() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.runtime.dispatcher()
				.dispatchAll("Jobs.add", List.of(new Object[] { 1, 2 }, new Object[] { 3, "four" })))
			.withMessageContaining("Jobs.add")
			.withMessageContaining("parameter 2 'b'");
		assertThat(this.runtime.driver().counts("default")).isEqualTo(QueueCounts.EMPTY);
	}

	@Test
	void anEmptyBatchSendsNothing() {
		assertThat(this.runtime.dispatcher().dispatchAll("Jobs.add", List.of())).isEmpty();
		assertThat(this.events).isEmpty();
	}

	static class Jobs {

		@Task
		public void add(int a, int b) {
		}

	}

}
