package io.asynctasq.samples.rabbitmq.producer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.asynctasq.TaskDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.CommandLineRunner;
import org.springframework.stereotype.Component;

/**
 * Dispatches the reports by task name. Each dispatch returns once RabbitMQ confirmed the message, so
 * the producer may exit right after.
 */
@Component
public class ReportProducer implements CommandLineRunner {

	static final String TASK = "ReportTasks.render";

	private static final Logger logger = LoggerFactory.getLogger(ReportProducer.class);

	private final TaskDispatcher dispatcher;

	private final int reports;

	private final List<String> dispatched = new ArrayList<>();

	public ReportProducer(TaskDispatcher dispatcher, @Value("${sample.reports:5}") int reports) {
		this.dispatcher = dispatcher;
		this.reports = reports;
	}

	@Override
	public void run(String... args) {
		for (int i = 1; i <= this.reports; i++) {
			String id = this.dispatcher.dispatch(TASK, "report-" + i, i * 10);
			logger.info("Dispatched report-{} as task {}", i, id);
			this.dispatched.add(id);
		}
		String delayed = this.dispatcher.task(TASK).delay(Duration.ofSeconds(2)).dispatch("delayed-report", 1);
		logger.info("Dispatched delayed-report as task {}, due in 2 s", delayed);
		this.dispatched.add(delayed);
	}

	/** Ids of the tasks dispatched, in order. */
	public List<String> dispatched() {
		return List.copyOf(this.dispatched);
	}

}
