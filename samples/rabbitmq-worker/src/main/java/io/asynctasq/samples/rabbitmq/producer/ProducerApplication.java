package io.asynctasq.samples.rabbitmq.producer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The producer application (profile {@code producer}): dispatches {@code sample.reports} tasks named
 * {@code ReportTasks.render}, plus one delayed by two seconds, to RabbitMQ and exits. It knows the task
 * only by name: the worker application runs it.
 */
@SpringBootApplication
public class ProducerApplication {

	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(ProducerApplication.class);
		application.setAdditionalProfiles("producer");
		System.exit(SpringApplication.exit(application.run(args)));
	}

}
