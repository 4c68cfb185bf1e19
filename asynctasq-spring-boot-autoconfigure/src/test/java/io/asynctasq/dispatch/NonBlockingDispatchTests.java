package io.asynctasq.dispatch;

import java.time.Duration;

import io.asynctasq.Task;
import io.asynctasq.runtime.AsyncTasq;
import io.asynctasq.runtime.AsyncTasqRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class NonBlockingDispatchTests {

	private final AsyncTasqRuntime runtime = AsyncTasq.builder().tasks(new Jobs()).worker(false).build();

	@AfterEach
	void close() {
		this.runtime.close();
	}

	@Test
	void blockingDispatchOnAnEventLoopThreadFailsWithAClearMessage() {
		Mono<String> blocking = Mono.fromCallable(() -> this.runtime.dispatcher().dispatch("Jobs.ping", "x"))
			.subscribeOn(Schedulers.parallel());
		assertThatIllegalStateException().isThrownBy(() -> blocking.block(Duration.ofSeconds(5)))
			.withMessageContaining("non-blocking thread 'parallel-")
			.withMessageContaining("dispatchAsync");
		assertThat(this.runtime.driver().counts("default").ready()).isZero();
	}

	@Test
	void asynchronousDispatchOnAnEventLoopThreadIsAccepted() {
		String id = Mono.defer(() -> Mono.fromFuture(this.runtime.dispatcher().dispatchAsync("Jobs.ping", "x")))
			.subscribeOn(Schedulers.parallel())
			.block(Duration.ofSeconds(5));
		assertThat(id).isNotBlank();
		assertThat(this.runtime.driver().counts("default").ready()).isEqualTo(1);
	}

	@Test
	void blockingDispatchOnAnOrdinaryThreadIsAccepted() {
		String id = Mono.fromCallable(() -> this.runtime.dispatcher().dispatch("Jobs.ping", "x"))
			.subscribeOn(Schedulers.boundedElastic())
			.block(Duration.ofSeconds(5));
		assertThat(id).isNotBlank();
	}

	static class Jobs {

		@Task
		public void ping(String value) {
		}

	}

}
