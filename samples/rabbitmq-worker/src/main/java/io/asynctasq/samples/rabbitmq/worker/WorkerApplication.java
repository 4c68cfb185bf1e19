package io.asynctasq.samples.rabbitmq.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The worker-only application (profile {@code worker}): serves queue {@code reports} from RabbitMQ and
 * runs {@link ReportTasks}; it stops on Ctrl-C, draining running tasks and returning prefetched ones
 * to the broker.
 */
@SpringBootApplication
public class WorkerApplication {

	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(WorkerApplication.class);
		application.setAdditionalProfiles("worker");
		application.run(args);
	}

}
