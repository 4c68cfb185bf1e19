package io.asynctasq.samples.webflux;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.asynctasq.dispatch.reactive.ReactiveTaskDispatcher;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Handlers that dispatch on the Netty thread serving the request: each returns the dispatch's {@code Mono}, which
 * WebFlux subscribes; the driver call runs on AsyncTasQ's dispatch executor and the response is written once the
 * driver accepted the task.
 */
@RestController
class ReportController {

	private final ReactiveTaskDispatcher tasks;

	private final ReportTasks reports;

	ReportController(ReactiveTaskDispatcher tasks, ReportTasks reports) {
		this.tasks = tasks;
		this.reports = reports;
	}

	/** One report, dispatched by method reference (the {@code TaskContext} parameter is passed as null). */
	@PostMapping("/reports/{id}")
	Mono<ResponseEntity<Map<String, String>>> render(@PathVariable String id) {
		return this.tasks.dispatch(ReportTasks::render, id, null)
			.map((taskId) -> ResponseEntity.accepted().body(Map.of("reportId", id, "taskId", taskId)));
	}

	/** Many reports, in one driver call. */
	@PostMapping("/reports")
	Mono<ResponseEntity<Map<String, List<String>>>> renderAll(@RequestBody List<String> ids) {
		return this.tasks.dispatchAll("render-report", ids.stream().map((id) -> new Object[] { id }).toList())
			.map((taskIds) -> ResponseEntity.accepted().body(Map.of("taskIds", taskIds)));
	}

	/** A notification, by name, with per-dispatch options. */
	@PostMapping("/users/{user}/notifications")
	Mono<ResponseEntity<Map<String, String>>> notify(@PathVariable String user, @RequestParam String message,
			@RequestParam(defaultValue = "0") long delayMillis) {
		return this.tasks.task("notify-user")
			.delay(Duration.ofMillis(delayMillis))
			.maxAttempts(5)
			.dispatch(user, message)
			.map((taskId) -> ResponseEntity.accepted().body(Map.of("taskId", taskId)));
	}

	@GetMapping("/reports/{id}")
	ResponseEntity<Map<String, String>> report(@PathVariable String id) {
		String location = this.reports.location(id);
		return (location != null) ? ResponseEntity.ok(Map.of("reportId", id, "location", location))
				: ResponseEntity.notFound().build();
	}

	@GetMapping("/users/{user}/notifications")
	List<String> notifications(@PathVariable String user) {
		return this.reports.notificationsOf(user);
	}

	/** A dispatch the library refused (arguments, options): its message, as a 400. */
	@ExceptionHandler(IllegalArgumentException.class)
	@ResponseStatus(HttpStatus.BAD_REQUEST)
	Map<String, String> refused(IllegalArgumentException ex) {
		return Map.of("error", ex.getMessage());
	}

}
