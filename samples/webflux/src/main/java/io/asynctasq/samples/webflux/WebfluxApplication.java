package io.asynctasq.samples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A WebFlux application on Reactor Netty: its handlers dispatch with the {@code ReactiveTaskDispatcher}, never
 * blocking a Netty thread, and the worker in the same application runs the tasks, one of them reactive. The
 * memory driver by default; {@code --spring.profiles.active=redis} for Redis at 127.0.0.1:6379.
 */
@SpringBootApplication
public class WebfluxApplication {

	public static void main(String[] args) {
		SpringApplication.run(WebfluxApplication.class, args);
	}

}
