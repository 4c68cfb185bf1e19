package io.asynctasq.samples.redisweb;

import java.time.Instant;
import java.util.Map;

import io.asynctasq.TaskDispatcher;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Accepts orders for processing and reports which were processed. */
@RestController
class OrderController {

	private final TaskDispatcher dispatcher;

	private final OrderTasks tasks;

	OrderController(TaskDispatcher dispatcher, OrderTasks tasks) {
		this.dispatcher = dispatcher;
		this.tasks = tasks;
	}

	/** Dispatches the processing of an order; answers 202 with the task id once Redis accepted it. */
	@PostMapping("/orders/{id}/process")
	ResponseEntity<Map<String, String>> process(@PathVariable String id) {
		String taskId = this.dispatcher.dispatch(OrderTasks::process, id, null);
		return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("orderId", id, "taskId", taskId));
	}

	/** 200 with when the order was processed by this instance, 404 while it was not. */
	@GetMapping("/orders/{id}")
	ResponseEntity<Map<String, Object>> order(@PathVariable String id) {
		Instant processedAt = this.tasks.processed().get(id);
		if (processedAt == null) {
			return ResponseEntity.notFound().build();
		}
		return ResponseEntity.ok(Map.of("orderId", id, "processedAt", processedAt.toString()));
	}

}
