package io.asynctasq.samples.rabbitmq.worker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/** The task the producer dispatches by name, {@code ReportTasks.render}; registered only in the worker. */
@Component
public class ReportTasks {

	private static final Logger logger = LoggerFactory.getLogger(ReportTasks.class);

	private final List<String> rendered = new CopyOnWriteArrayList<>();

	@Task(queue = "reports")
	public void render(String report, int pages, TaskContext context) {
		logger.info("Rendered {} ({} pages): task {}, attempt {}", report, pages, context.taskId(), context.attempt());
		this.rendered.add(report);
	}

	/** Reports rendered so far by this worker. */
	public List<String> rendered() {
		return List.copyOf(this.rendered);
	}

}
