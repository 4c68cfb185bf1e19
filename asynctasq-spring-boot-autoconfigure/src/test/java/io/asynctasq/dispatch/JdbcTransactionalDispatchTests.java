package io.asynctasq.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import io.asynctasq.Task;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.autoconfigure.AsyncTasqAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqJdbcAutoConfiguration;
import io.asynctasq.autoconfigure.AsyncTasqTransactionAutoConfiguration;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.driver.jdbc.JdbcDialect;
import io.asynctasq.driver.jdbc.JdbcDriver;
import io.asynctasq.driver.jdbc.JdbcSchema;
import io.asynctasq.events.TaskEvent;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * With the JDBC driver on the application's DataSource, a dispatch inside a Spring transaction is written
 * by that transaction: invisible to others until the commit, gone with a rollback, together with the
 * application's own rows; outside a transaction it is committed at once. On PostgreSQL and MariaDB, with
 * the pool's connections in auto-commit and not ({@code spring.datasource.hikari.auto-commit=false}).
 */
class JdbcTransactionalDispatchTests {

	@Nested
	class OnPostgres extends TransactionalDispatchContract {

		OnPostgres() {
			super(JdbcDialect.POSTGRESQL, "jdbc:postgresql://127.0.0.1:5432/test", "postgres", true);
		}

	}

	@Nested
	class OnPostgresWithoutAutoCommit extends TransactionalDispatchContract {

		OnPostgresWithoutAutoCommit() {
			super(JdbcDialect.POSTGRESQL, "jdbc:postgresql://127.0.0.1:5432/test", "postgres", false);
		}

	}

	@Nested
	class OnMariaDb extends TransactionalDispatchContract {

		OnMariaDb() {
			super(JdbcDialect.MARIADB, "jdbc:mariadb://127.0.0.1:3306/test", "root", true);
		}

	}

	@Nested
	class OnMariaDbWithoutAutoCommit extends TransactionalDispatchContract {

		OnMariaDbWithoutAutoCommit() {
			super(JdbcDialect.MARIADB, "jdbc:mariadb://127.0.0.1:3306/test", "root", false);
		}

	}

	/** The tests, on one database and one auto-commit setting of the pool. */
	abstract static class TransactionalDispatchContract {

		private final String prefix = "txd_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

		private final JdbcDialect dialect;

		private final ApplicationContextRunner runner;

		TransactionalDispatchContract(JdbcDialect dialect, String url, String user, boolean autoCommit) {
			this.dialect = dialect;
			this.runner = new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
						DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
						AsyncTasqJdbcAutoConfiguration.class, AsyncTasqAutoConfiguration.class,
						AsyncTasqTransactionAutoConfiguration.class))
				.withPropertyValues("asynctasq.driver=jdbc", "asynctasq.worker.enabled=false",
						"asynctasq.jdbc.initialize-schema=always", "asynctasq.jdbc.table-prefix=" + this.prefix,
						"spring.datasource.url=" + url, "spring.datasource.username=" + user,
						"spring.datasource.hikari.maximum-pool-size=4",
						"spring.datasource.hikari.auto-commit=" + autoCommit);
		}

		@Test
		void rolledBackTransactionLeavesNoTask() {
			run((context, tx, dispatcher, driver, jdbc) -> {
				AtomicReference<String> id = new AtomicReference<>();
				tx.executeWithoutResult((status) -> {
					jdbc.update("INSERT INTO " + this.prefix + "orders (id) VALUES ('order-1')");
					id.set(dispatcher.dispatch("OrderTasks.confirm", "order-1"));
					assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + this.prefix + "tasks", Integer.class))
						.as("seen inside the transaction").isOne();
					assertThat(driver.counts("default")).as("the driver's counts run outside the caller's transaction")
						.isEqualTo(QueueCounts.EMPTY);
					assertThat(countsFromAnotherThread(driver)).as("seen outside before commit").isEqualTo(QueueCounts.EMPTY);
					status.setRollbackOnly();
				});
				assertThat(id.get()).isNotBlank();
				assertThat(driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
				assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + this.prefix + "orders", Integer.class)).isZero();
			});
		}

		@Test
		void enqueuedEventIsPublishedOnlyOnceTheTransactionCommitted() {
			List<TaskEvent.Enqueued> events = new java.util.concurrent.CopyOnWriteArrayList<>();
			this.runner
				.withBean("enqueuedEvents", ApplicationListener.class,
						() -> ApplicationListener.forPayload((TaskEvent.Enqueued event) -> events.add(event)))
				.run((context) -> withTables(context, (tx, dispatcher, driver, jdbc) -> {
					tx.executeWithoutResult((status) -> {
						dispatcher.dispatch("OrderTasks.confirm", "rolled-back");
						status.setRollbackOnly();
					});
					assertThat(events).as("a rolled-back dispatch is never announced").isEmpty();
					String id = tx.execute((status) -> {
						String dispatched = dispatcher.dispatch("OrderTasks.confirm", "committed");
						assertThat(events).as("announced only after the commit").isEmpty();
						return dispatched;
					});
					assertThat(events).extracting(TaskEvent.Enqueued::taskId).containsExactly(id);
				}));
		}

		@Test
		void exceptionInTheTransactionLeavesNoTask() {
			run((context, tx, dispatcher, driver, jdbc) -> {
				assertThatIllegalStateException().isThrownBy(() -> tx.executeWithoutResult((status) -> {
					dispatcher.dispatch("OrderTasks.confirm", "order-2");
					throw new IllegalStateException("payment declined");
				}));
				assertThat(driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
			});
		}

		@Test
		void committedTransactionQueuesTheTask() throws Exception {
			run((context, tx, dispatcher, driver, jdbc) -> {
				String id = tx.execute((status) -> {
					jdbc.update("INSERT INTO " + this.prefix + "orders (id) VALUES ('order-3')");
					String dispatched = dispatcher.dispatch("OrderTasks.confirm", "order-3");
					assertThat(countsFromAnotherThread(driver)).isEqualTo(QueueCounts.EMPTY);
					return dispatched;
				});
				assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
				List<Reservation> reserved = driver.reserve(List.of("default"), 5, Duration.ofSeconds(30), Duration.ZERO);
				assertThat(reserved).extracting(Reservation::id).containsExactly(id);
				assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + this.prefix + "orders", Integer.class)).isOne();
			});
		}

		@Test
		void dispatchAsyncInATransactionIsSentAfterTheCommit() {
			run((context, tx, dispatcher, driver, jdbc) -> {
				CompletableFuture<String> future = tx.execute((status) -> {
					CompletableFuture<String> dispatched = dispatcher.dispatchAsync("OrderTasks.confirm", "order-4");
					assertThat(dispatched).isNotDone();
					assertThat(driver.counts("default")).isEqualTo(QueueCounts.EMPTY);
					return dispatched;
				});
				String id = future.get(10, TimeUnit.SECONDS);
				assertThat(id).isNotBlank();
				assertThat(driver.counts("default")).isEqualTo(new QueueCounts(1, 0, 0, 0));
			});
		}

		@Test
		void dispatchOutsideATransactionIsQueuedAtOnce() {
			run((context, tx, dispatcher, driver, jdbc) -> {
				dispatcher.dispatch("OrderTasks.confirm", "order-5");
				assertThat(countsFromAnotherThread(driver)).isEqualTo(new QueueCounts(1, 0, 0, 0));
			});
		}

		@Test
		void withAWorkerEveryCommittedDispatchRunsExactlyOnce() {
			int dispatches = 40;
			this.runner.withPropertyValues("asynctasq.worker.enabled=true", "asynctasq.worker.poll-interval=100ms")
				.withBean(OrderTasks.class)
				.run((context) -> withTables(context, (tx, dispatcher, driver, jdbc) -> {
					OrderTasks tasks = context.getBean(OrderTasks.class);
					Set<String> committed = new HashSet<>();
					for (int i = 0; i < dispatches; i++) {
						String order = "order-" + i;
						if (i % 4 == 0) {
							tx.executeWithoutResult((status) -> {
								dispatcher.dispatch("OrderTasks.confirm", "rolled-back-" + order);
								status.setRollbackOnly();
							});
						}
						else if (i % 2 == 0) {
							tx.executeWithoutResult((status) -> dispatcher.dispatch("OrderTasks.confirm", order));
							committed.add(order);
						}
						else {
							dispatcher.dispatch("OrderTasks.confirm", order);
							committed.add(order);
						}
					}

					Awaitility.await().atMost(Duration.ofSeconds(20))
						.until(() -> tasks.runs.keySet().containsAll(committed)
								&& driver.counts("default").equals(QueueCounts.EMPTY));
					// acknowledged for good: nothing comes back and nothing runs again
					Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
						.until(() -> driver.counts("default").equals(QueueCounts.EMPTY));
					assertThat(tasks.runs).as("every committed dispatch ran, no rolled-back one")
						.containsOnlyKeys(committed)
						.allSatisfy((order, runs) -> assertThat(runs.get()).as("runs of %s", order).isEqualTo(1));
				}));
		}

		private void run(ContextTest test) {
			this.runner.run((context) -> withTables(context,
					(tx, dispatcher, driver, jdbc) -> test.run(context, tx, dispatcher, driver, jdbc)));
		}

		private void withTables(AssertableApplicationContext context, TablesTest test) throws Exception {
			DataSource dataSource = context.getBean(DataSource.class);
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			TransactionTemplate tx = context.getBean(TransactionTemplate.class);
			// in a transaction, so it is committed on a pool without auto-commit too
			tx.executeWithoutResult((status) -> jdbc
				.execute("CREATE TABLE " + this.prefix + "orders (id VARCHAR(40) PRIMARY KEY)"));
			try {
				assertThat(context.getBean(JdbcDriver.class).dialect()).isEqualTo(this.dialect);
				test.run(tx, context.getBean(TaskDispatcher.class), context.getBean(JdbcDriver.class), jdbc);
			}
			finally {
				tx.executeWithoutResult((status) -> jdbc.execute("DROP TABLE IF EXISTS " + this.prefix + "orders"));
				JdbcSchema.drop(dataSource, this.prefix);
			}
		}

		@FunctionalInterface
		interface TablesTest {

			void run(TransactionTemplate tx, TaskDispatcher dispatcher, JdbcDriver driver, JdbcTemplate jdbc)
					throws Exception;

		}

		private static QueueCounts countsFromAnotherThread(JdbcDriver driver) {
			return CompletableFuture.supplyAsync(() -> driver.counts("default")).join();
		}

		/** Counts the runs of each order's task. */
		static class OrderTasks {

			final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

			@Task(name = "OrderTasks.confirm")
			public void confirm(String order) {
				this.runs.computeIfAbsent(order, (key) -> new AtomicInteger()).incrementAndGet();
			}

		}

		@FunctionalInterface
		interface ContextTest {

			void run(AssertableApplicationContext context, TransactionTemplate tx, TaskDispatcher dispatcher,
					JdbcDriver driver, JdbcTemplate jdbc) throws Exception;

		}

	}

}
