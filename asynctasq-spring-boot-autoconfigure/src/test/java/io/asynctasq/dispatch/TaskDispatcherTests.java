package io.asynctasq.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.TaskMethod;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.Reservation;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/** What a dispatch accepts and refuses at the call, and what it enqueues. */
class TaskDispatcherTests {

	private final Mail mail = new Mail();

	private AsyncTasqRuntime runtime;

	@AfterEach
	void close() {
		if (this.runtime != null) {
			this.runtime.close();
		}
	}

	private TaskDispatcher dispatchOnly() {
		this.runtime = AsyncTasq.builder().tasks(this.mail).worker(false).build();
		return this.runtime.dispatcher();
	}

	private TaskDispatcher withWorker() {
		this.runtime = AsyncTasq.builder().tasks(this.mail).pollInterval(Duration.ofMillis(100)).build();
		return this.runtime.dispatcher();
	}

	private QueueCounts counts(String queue) {
		return this.runtime.driver().counts(queue);
	}

	// ---------------------------------------------------------------- argument checks

	@Test
	void wrongArgumentCountNamesTheTaskAndItsParameters() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch("Mail.send", "a@b.c"))
			.withMessageContaining("'Mail.send'")
			.withMessageContaining("Mail.send(String, String, int)")
			.withMessageContaining("takes 3 argument(s)")
			.withMessageContaining("java.lang.String to")
			.withMessageContaining("java.lang.String subject")
			.withMessageContaining("int priority")
			.withMessageContaining("1 were given");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> dispatcher.dispatch("Mail.send", "a@b.c", "Hi", 1, "extra"))
			.withMessageContaining("takes 3 argument(s)")
			.withMessageContaining("4 were given");
		assertThat(counts("default").ready()).isZero();
	}

	@Test
	void wrongTypeNamesTheParameterPositionNameAndExpectedType() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch("Mail.send", "a@b.c", 42, 1))
			.withMessageContaining("'Mail.send'")
			.withMessageContaining("parameter 2 'subject'")
			.withMessageContaining("expects java.lang.String")
			.withMessageContaining("got java.lang.Integer");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> dispatcher.dispatch("Mail.send", "a@b.c", "Hi", "high"))
			.withMessageContaining("parameter 3 'priority' (int)")
			.withMessageContaining("expects int")
			.withMessageContaining("got java.lang.String");
		assertThat(counts("default").ready()).isZero();
	}

	@Test
	void nullForAPrimitiveIsRefused() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch("Mail.send", "a@b.c", "Hi", null))
			.withMessageContaining("'Mail.send'")
			.withMessageContaining("parameter 3 'priority' (int)")
			.withMessageContaining("cannot be null");
	}

	@Test
	void nullForAReferenceIsAccepted() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThat(dispatcher.dispatch("Mail.send", "a@b.c", null, 1)).isNotBlank();
		assertThat(counts("default").ready()).isEqualTo(1);
	}

	@Test
	void smallerNumbersWidenToLargerDeclaredTypes() {
		TaskDispatcher dispatcher = withWorker();
		dispatcher.dispatch("Mail.archive", 7, 3, 2.5f);
		dispatcher.dispatch("Mail.archive", 8L, Long.valueOf(4), 1);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.mail.archived.size() == 2);
		assertThat(this.mail.archived).containsExactlyInAnyOrder("7/3/2.5", "8/4/1.0");
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch("Mail.archive", 1.5, 1L, 1.0))
			.withMessageContaining("parameter 1 'id' (long)")
			.withMessageContaining("got java.lang.Double");
	}

	@Test
	void unknownTaskNameIsAcceptedAndStaysQueued() {
		TaskDispatcher dispatcher = dispatchOnly();
		String id = dispatcher.dispatch("Billing.charge", "anything", 1, List.of("goes"));
		assertThat(id).isNotBlank();
		assertThat(counts("default").ready()).isEqualTo(1);
	}

	@Test
	void blankTaskNameIsRefused() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch(" "))
			.withMessageContaining("Task name must not be empty");
	}

	@Test
	void argumentThatCannotBeWrittenAsJsonIsRefusedAtTheCall() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException()
			.isThrownBy(() -> dispatcher.dispatch("Unknown.task", "fine", new Unwritable()))
			.withMessageContaining("'Unknown.task'")
			.withMessageContaining("argument 2")
			.withMessageContaining(Unwritable.class.getName());
		assertThat(counts("default").ready()).isZero();
	}

	// ---------------------------------------------------------------- method references

	@Test
	void methodReferenceResolvesToTheRegisteredTask() throws Exception {
		TaskDispatcher dispatcher = dispatchOnly();
		String id = dispatcher.dispatch(Mail::send, "a@b.c", "Hi", 2);
		List<Reservation> reserved = this.runtime.driver()
			.reserve(List.of("default"), 10, Duration.ofMinutes(1), Duration.ZERO);
		assertThat(reserved).singleElement().satisfies((reservation) -> {
			assertThat(reservation.id()).isEqualTo(id);
			TaskEnvelope envelope = new PayloadCodec().decode(reservation.message().body());
			assertThat(envelope.taskName()).isEqualTo("Mail.send");
			assertThat(envelope.args().toString()).isEqualTo("[\"a@b.c\",\"Hi\",2]");
		});
	}

	@Test
	void methodReferenceToATaskWithAContextParameterRunsWithTheContext() {
		TaskDispatcher dispatcher = withWorker();
		dispatcher.dispatch(Mail::greet, "Ada", null);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.mail.greeted.size() == 1);
		assertThat(this.mail.greeted).containsExactly("Ada attempt 1");
	}

	@Test
	@SuppressWarnings({ "rawtypes", "unchecked" })
	void methodReferenceArgumentsAreCheckedToo() {
		TaskDispatcher dispatcher = dispatchOnly();
		TaskMethod.Of3<Mail, String, String, Integer> send = Mail::sendLoosely;
		// the compiler checks types; a raw reference gets past it, the dispatcher does not
		TaskMethod.Of3 raw = send;
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch(raw, "a@b.c", 42, 1))
			.withMessageContaining("'Mail.sendLoosely'")
			.withMessageContaining("parameter 2 'subject'")
			.withMessageContaining("expects java.lang.String");
	}

	@Test
	void methodReferenceToANonTaskMethodFailsAtTheCall() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch(Mail::notATask, "x"))
			.withMessageContaining("Mail.notATask")
			.withMessageContaining("is not a registered task")
			.withMessageContaining("@Task");
		assertThat(counts("default").ready()).isZero();
	}

	@Test
	void lambdaIsRefusedWithAClearMessage() {
		TaskDispatcher dispatcher = dispatchOnly();
		TaskMethod.Of1<Mail, String> lambda = (mail, to) -> mail.send(to, "Hi", 1);
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatch(lambda, "a@b.c"))
			.withMessageContaining("method reference")
			.withMessageContaining("not a lambda expression");
	}

	@Test
	void objectThatIsNotAMethodReferenceIsRefused() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.taskOf("Mail.send"))
			.withMessageContaining("Not a method reference");
	}

	// ---------------------------------------------------------------- async

	@Test
	void dispatchAsyncCompletesWithTheTaskId() {
		TaskDispatcher dispatcher = dispatchOnly();
		CompletableFuture<String> byName = dispatcher.dispatchAsync("Mail.send", "a@b.c", "Hi", 1);
		CompletableFuture<String> byReference = dispatcher.dispatchAsync(Mail::send, "c@d.e", "Yo", 2);
		CompletableFuture<String> withOptions = dispatcher.task("Mail.send").onQueue("bulk").dispatchAsync("x", "y", 3);
		assertThat(byName).succeedsWithin(Duration.ofSeconds(5)).asString().isNotBlank();
		assertThat(byReference).succeedsWithin(Duration.ofSeconds(5)).isNotEqualTo(byName.join());
		assertThat(withOptions).succeedsWithin(Duration.ofSeconds(5));
		assertThat(counts("default").ready()).isEqualTo(2);
		assertThat(counts("bulk").ready()).isEqualTo(1);
	}

	@Test
	void wrongDispatchAsyncFailsSynchronouslyAtTheCall() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatchAsync("Mail.send", "a@b.c"))
			.withMessageContaining("takes 3 argument(s)");
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.dispatchAsync(Mail::notATask, "x"))
			.withMessageContaining("is not a registered task");
		assertThat(counts("default").ready()).isZero();
	}

	// ---------------------------------------------------------------- options at the call

	@Test
	void invalidOptionsAreRefusedAtTheCall() {
		TaskDispatcher dispatcher = dispatchOnly();
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.task("Mail.send").maxAttempts(0))
			.withMessageContaining("maxAttempts");
		assertThatIllegalArgumentException().isThrownBy(() -> dispatcher.task("Mail.send").onQueue("no spaces"))
			.withMessageContaining("Invalid queue name 'no spaces'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> dispatcher.task("Mail.send").delay(Duration.ofSeconds(-1)))
			.withMessageContaining("delay");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> dispatcher.task("Mail.send").visibilityTimeout(Duration.ZERO))
			.withMessageContaining("visibilityTimeout");
		assertThatNoException().isThrownBy(() -> dispatcher.task("Mail.send").timeout(Duration.ZERO));
	}

	@Test
	void delayedTaskIsCountedAsDelayedUntilDue() {
		TaskDispatcher dispatcher = dispatchOnly();
		dispatcher.task("Mail.send").delay(Duration.ofMinutes(10)).dispatch("a@b.c", "later", 1);
		dispatcher.task("Mail.send").delay(Duration.ofMillis(200)).dispatch("a@b.c", "soon", 1);
		assertThat(counts("default")).isEqualTo(new QueueCounts(0, 2, 0, 0));
		await().atMost(Duration.ofSeconds(5)).until(() -> counts("default").ready() == 1);
		assertThat(counts("default")).isEqualTo(new QueueCounts(1, 1, 0, 0));
	}

	// ---------------------------------------------------------------- tasks

	static class Unwritable {

		public String getValue() {
			throw new IllegalStateException("not readable");
		}

	}

	static class Mail {

		final List<String> archived = new CopyOnWriteArrayList<>();

		final List<String> greeted = new CopyOnWriteArrayList<>();

		@Task
		public void send(String to, String subject, int priority) {
		}

		@Task
		public void sendLoosely(String to, String subject, Integer priority) {
		}

		@Task
		public void archive(long id, Long batch, double weight) {
			this.archived.add(id + "/" + batch + "/" + weight);
		}

		@Task
		public void greet(String name, TaskContext context) {
			this.greeted.add(name + " attempt " + context.attempt());
		}

		public void notATask(String anything) {
		}

	}

}
