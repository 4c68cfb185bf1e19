package io.asynctasq.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqTransactionAutoConfiguration;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.memory.MemoryDriver;
import io.asynctasq.events.TaskEvent;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * With a driver that cannot join the transaction (the memory driver here), a dispatch inside a Spring
 * transaction is sent after the commit and dropped on rollback ({@code asynctasq.dispatch.transaction-aware},
 * default true); outside a transaction, or with the property off, it is sent at once.
 */
class TransactionAwareDispatchTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
				AsyncTasqAutoConfiguration.class, AsyncTasqTransactionAutoConfiguration.class))
		.withPropertyValues("asynctasq.worker.enabled=false",
				"spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");

	@Test
	void dispatchInATransactionWaitsForTheCommit() {
		List<TaskEvent.Enqueued> enqueued = new ArrayList<>();
		this.runner.withBean("enqueuedEvents", ApplicationListener.class,
				() -> ApplicationListener.forPayload((TaskEvent.Enqueued event) -> enqueued.add(event)))
			.run((context) -> {
				QueueDriver driver = context.getBean(QueueDriver.class);
				assertThat(driver).isInstanceOf(MemoryDriver.class);
				TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
				String id = context.getBean(TransactionTemplate.class).execute((status) -> {
					String dispatched = dispatcher.dispatch("Mail.send", "a@b.c");
					assertThat(dispatched).isNotBlank();
					assertThat(driver.counts("default")).as("before commit").isEqualTo(QueueCounts.EMPTY);
					assertThat(enqueued).as("no Enqueued event before commit").isEmpty();
					return dispatched;
				});
				assertThat(driver.counts("default")).as("after commit").isEqualTo(new QueueCounts(1, 0, 0, 0));
				assertThat(enqueued).extracting(TaskEvent.Enqueued::taskId).containsExactly(id);
			});
	}

	@Test
	void dispatchesOfOneTransactionAreSentInOrderAfterTheCommit() {
		this.runner.run((context) -> {
			QueueDriver driver = context.getBean(QueueDriver.class);
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			List<String> ids = context.getBean(TransactionTemplate.class)
				.execute((status) -> List.of(dispatcher.dispatch("Mail.send", "1"), dispatcher.dispatch("Mail.send", "2"),
						dispatcher.dispatch("Mail.send", "3")));
			assertThat(driver.reserve(List.of("default"), 10, java.time.Duration.ofSeconds(30),
					java.time.Duration.ZERO))
				.extracting(io.asynctasq.driver.Reservation::id)
				.containsExactlyElementsOf(ids);
		});
	}

	@Test
	void dispatchInARolledBackTransactionIsDropped() {
		this.runner.run((context) -> {
			QueueDriver driver = context.getBean(QueueDriver.class);
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			CompletableFuture<String> async = context.getBean(TransactionTemplate.class).execute((status) -> {
				dispatcher.dispatch("Mail.send", "a@b.c");
				CompletableFuture<String> future = dispatcher.dispatchAsync("Mail.send", "d@e.f");
				status.setRollbackOnly();
				return future;
			});
			assertThat(driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
			assertThat(async).isCancelled();
		});
	}

	@Test
	void dispatchAsyncInATransactionCompletesAfterTheCommit() {
		this.runner.run((context) -> {
			QueueDriver driver = context.getBean(QueueDriver.class);
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			CompletableFuture<String> async = context.getBean(TransactionTemplate.class).execute((status) -> {
				CompletableFuture<String> future = dispatcher.dispatchAsync("Mail.send", "a@b.c");
				assertThat(future).isNotDone();
				return future;
			});
			assertThat(async.get(10, TimeUnit.SECONDS)).isNotBlank();
			assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
		});
	}

	@Test
	void dispatchFromAnotherSynchronizationsAfterCommitIsSent() {
		this.runner.run((context) -> {
			QueueDriver driver = context.getBean(QueueDriver.class);
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			context.getBean(TransactionTemplate.class).executeWithoutResult((status) -> TransactionSynchronizationManager
				.registerSynchronization(new TransactionSynchronization() {
					@Override
					public void afterCommit() {
						dispatcher.dispatch("Mail.send", "from-after-commit");
					}
				}));
			assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
		});
	}

	@Test
	void dispatchOutsideATransactionIsSentAtOnce() {
		this.runner.run((context) -> {
			context.getBean(TaskDispatcher.class).dispatch("Mail.send", "a@b.c");
			assertThat(context.getBean(QueueDriver.class).counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
		});
	}

	@Test
	void transactionAwareFalseSendsAtOnceEvenInATransaction() {
		this.runner.withPropertyValues("asynctasq.dispatch.transaction-aware=false").run((context) -> {
			QueueDriver driver = context.getBean(QueueDriver.class);
			TaskDispatcher dispatcher = context.getBean(TaskDispatcher.class);
			context.getBean(TransactionTemplate.class).executeWithoutResult((status) -> {
				dispatcher.dispatch("Mail.send", "a@b.c");
				assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
				status.setRollbackOnly();
			});
			assertThat(driver.counts("default")).as("not undone by the rollback").isEqualTo(new QueueCounts(1, 0, 0, 0));
		});
	}

}
