package io.asynctasq.samples.webflux;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.asynctasq.Task;
import io.asynctasq.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/** The background work: rendering reports (a reactive task) and notifying users (a plain one). */
@Component
public class ReportTasks {

	private static final Logger logger = LoggerFactory.getLogger(ReportTasks.class);

	private final Map<String, String> rendered = new ConcurrentHashMap<>();

	private final Map<String, List<String>> notifications = new ConcurrentHashMap<>();

	/**
	 * Renders a report. It returns a {@code Mono}: the worker subscribes and waits for it without holding one of
	 * its threads (the delay stands for a call to a non-blocking rendering service); its timeout would cancel it.
	 */
	@Task(name = "render-report", maxAttempts = 3, timeout = "10s")
	public Mono<String> render(String reportId, TaskContext context) {
		return Mono.delay(Duration.ofMillis(100)).map((tick) -> {
			String location = "/files/" + reportId + ".pdf";
			this.rendered.put(reportId, location);
			logger.info("Report {} rendered to {} (task {}, attempt {})", reportId, location, context.taskId(),
					context.attempt());
			return location;
		});
	}

	/** Notifies a user; a plain method, run on a worker thread. */
	@Task(name = "notify-user", queue = "notifications")
	public void notifyUser(String user, String message) {
		this.notifications.computeIfAbsent(user, (key) -> new CopyOnWriteArrayList<>()).add(message);
		logger.info("Notified {}: {}", user, message);
	}

	/** Where a rendered report is, or {@code null} while it is not rendered. */
	public String location(String reportId) {
		return this.rendered.get(reportId);
	}

	/** The notifications a user received, in order. */
	public List<String> notificationsOf(String user) {
		return List.copyOf(this.notifications.getOrDefault(user, List.of()));
	}

}
