package io.asynctasq.samples.redisweb;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A web application whose {@code POST /orders/{id}/process} dispatches a task to Redis; the worker in
 * the same application runs it. {@code /actuator/health} shows the Redis driver and its queues.
 */
@SpringBootApplication
public class RedisWebApplication {

	public static void main(String[] args) {
		SpringApplication.run(RedisWebApplication.class, args);
	}

}
