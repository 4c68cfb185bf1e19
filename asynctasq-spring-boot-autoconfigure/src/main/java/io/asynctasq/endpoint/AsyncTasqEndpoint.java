package io.asynctasq.endpoint;

import io.asynctasq.driver.QueueCounts;
import io.asynctasq.driver.QueueNames;
import io.asynctasq.driver.WorkerHeartbeat;
import io.asynctasq.inspection.InspectedDeadLetter;
import io.asynctasq.inspection.TaskInspector;
import io.asynctasq.inspection.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

/**
 * {@code /actuator/asynctasq}: the driver, the known queues with their counts and the live workers of the
 * cluster; {@code /queues/{queue}} one queue; {@code /queues/{queue}/dead-letters?offset=&limit=} a page of its
 * dead letters; {@code /tasks/{id}} a task's status. Writes on dead letters ({@code POST} retries, {@code DELETE}
 * deletes, on one dead letter or on all of a queue) answer 403 unless write operations are enabled, and, when
 * Spring Security is on the classpath, unless the user has one of the configured roles.
 */
@WebEndpoint(id = "asynctasq")
public class AsyncTasqEndpoint {

	/** Shown instead of arguments the caller may not see, as Boot's endpoints mask values. */
	static final String MASK = "******";

	static final int DEFAULT_PAGE = 20;

	static final int MAX_PAGE = 500;

	private static final JsonMapper JSON = JsonMapper.shared();

	private final TaskInspector inspector;

	private final boolean writeOperations;

	private final Show showArguments;

	private final Set<String> roles;

	private final boolean rolesRequired;

	/**
	 * @param writeOperations whether the write operations may run at all
	 * @param showArguments when dead letters show their arguments
	 * @param roles the roles a user needs for writes (when {@code rolesRequired}) and for arguments shown
	 * {@link Show#WHEN_AUTHORIZED}
	 * @param rolesRequired whether writes need an authenticated user with one of {@code roles} (the application
	 * has Spring Security)
	 */
	public AsyncTasqEndpoint(TaskInspector inspector, boolean writeOperations, Show showArguments, Set<String> roles,
			boolean rolesRequired) {
		this.inspector = inspector;
		this.writeOperations = writeOperations;
		this.showArguments = showArguments;
		this.roles = Set.copyOf(roles);
		this.rolesRequired = rolesRequired;
	}

	@ReadOperation
	public Overview overview() {
		List<QueueSummary> queues = new ArrayList<>();
		for (String queue : this.inspector.queues()) {
			queues.add(QueueSummary.of(queue, this.inspector.counts(queue)));
		}
		return new Overview(this.inspector.driverName(), queues,
				this.inspector.workers().stream().map(WorkerSummary::of).toList());
	}

	/** {@code /queues/{queue}} or {@code /tasks/{id}}; 404 for anything else. */
	@ReadOperation
	public WebEndpointResponse<Object> select(@Selector String kind, @Selector String name) {
		return switch (kind) {
			case "queues" -> queueName(name) ? ok(QueueSummary.of(name, this.inspector.counts(name)))
					: badQueue(name);
			case "tasks" -> ok(TaskView.of(this.inspector.status(name)));
			default -> notFound(kind);
		};
	}

	/** {@code /queues/{queue}/dead-letters}, paged by {@code offset} (default 0) and {@code limit} (default 20). */
	@ReadOperation
	public WebEndpointResponse<Object> deadLetters(@Selector String kind, @Selector String queue,
			@Selector String part, @Nullable Integer offset, @Nullable Integer limit, SecurityContext security) {
		if (!isDeadLetters(kind, part)) {
			return notFound(kind + "/" + queue + "/" + part);
		}
		if (!queueName(queue)) {
			return badQueue(queue);
		}
		int from = (offset != null) ? offset : 0;
		int size = (limit != null) ? limit : DEFAULT_PAGE;
		if (from < 0 || size < 1 || size > MAX_PAGE) {
			return new WebEndpointResponse<>(Map.of("message",
					"offset must be 0 or more and limit between 1 and " + MAX_PAGE), WebEndpointResponse.STATUS_BAD_REQUEST);
		}
		boolean showArguments = this.showArguments.isShown(security, this.roles);
		List<DeadLetterView> page = this.inspector.deadLetters(queue, from, size).stream()
				.map((deadLetter) -> DeadLetterView.of(deadLetter, showArguments))
				.toList();
		return ok(new DeadLetterPage(queue, from, size, page));
	}

	/** {@code POST /queues/{queue}/dead-letters}: moves every dead letter of the queue back to it. */
	@WriteOperation
	public WebEndpointResponse<Object> retryAll(@Selector String kind, @Selector String queue, @Selector String part,
			SecurityContext security) {
		WebEndpointResponse<Object> refused = refused(kind, queue, part, security);
		if (refused != null) {
			return refused;
		}
		return ok(Map.of("queue", queue, "retried", this.inspector.retryAllDeadLetters(queue)));
	}

	/** {@code DELETE /queues/{queue}/dead-letters}: deletes every dead letter of the queue. */
	@DeleteOperation
	public WebEndpointResponse<Object> purge(@Selector String kind, @Selector String queue, @Selector String part,
			SecurityContext security) {
		WebEndpointResponse<Object> refused = refused(kind, queue, part, security);
		if (refused != null) {
			return refused;
		}
		return ok(Map.of("queue", queue, "deleted", this.inspector.purgeDeadLetters(queue)));
	}

	/** {@code POST /queues/{queue}/dead-letters/{id}}: moves one dead letter back to its queue. */
	@WriteOperation
	public WebEndpointResponse<Object> retryOne(@Selector String kind, @Selector String queue, @Selector String part,
			@Selector String id, SecurityContext security) {
		WebEndpointResponse<Object> refused = refused(kind, queue, part, security);
		if (refused != null) {
			return refused;
		}
		return this.inspector.retryDeadLetter(queue, id) ? ok(Map.of("queue", queue, "id", id, "retried", true))
				: notFound("dead letter " + id + " of queue " + queue);
	}

	/** {@code DELETE /queues/{queue}/dead-letters/{id}}: deletes one dead letter. */
	@DeleteOperation
	public WebEndpointResponse<Object> deleteOne(@Selector String kind, @Selector String queue, @Selector String part,
			@Selector String id, SecurityContext security) {
		WebEndpointResponse<Object> refused = refused(kind, queue, part, security);
		if (refused != null) {
			return refused;
		}
		return this.inspector.deleteDeadLetter(queue, id) ? ok(Map.of("queue", queue, "id", id, "deleted", true))
				: notFound("dead letter " + id + " of queue " + queue);
	}

	/** Why a write may not run, as the response to give; {@code null} when it may. */
	private @Nullable WebEndpointResponse<Object> refused(String kind, String queue, String part,
			SecurityContext security) {
		if (!isDeadLetters(kind, part)) {
			return notFound(kind + "/" + queue + "/" + part);
		}
		if (!this.writeOperations) {
			return forbidden("Write operations are disabled; set asynctasq.endpoint.write-operations=true to allow them");
		}
		if (this.rolesRequired && !hasRole(security)) {
			return forbidden("Write operations need one of the roles " + this.roles
					+ " (asynctasq.endpoint.roles)");
		}
		if (!queueName(queue)) {
			return badQueue(queue);
		}
		return null;
	}

	private boolean hasRole(SecurityContext security) {
		if (security.getPrincipal() == null) {
			return false;
		}
		return this.roles.stream().anyMatch(security::isUserInRole);
	}

	private static boolean isDeadLetters(String kind, String part) {
		return "queues".equals(kind) && "dead-letters".equals(part);
	}

	private static boolean queueName(String queue) {
		try {
			QueueNames.validate(queue);
			return true;
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	private static WebEndpointResponse<Object> ok(Object body) {
		return new WebEndpointResponse<>(body);
	}

	private static WebEndpointResponse<Object> notFound(String what) {
		return new WebEndpointResponse<>(Map.of("message", "No " + what), WebEndpointResponse.STATUS_NOT_FOUND);
	}

	private static WebEndpointResponse<Object> forbidden(String message) {
		return new WebEndpointResponse<>(Map.of("message", message), 403);
	}

	private static WebEndpointResponse<Object> badQueue(String queue) {
		return new WebEndpointResponse<>(Map.of("message", "Not a valid queue name: " + queue),
				WebEndpointResponse.STATUS_BAD_REQUEST);
	}

	private static @Nullable JsonNode json(@Nullable String json) {
		if (json == null) {
			return null;
		}
		try {
			return JSON.readTree(json);
		}
		catch (JacksonException ex) {
			return JSON.getNodeFactory().textNode(json);
		}
	}

	/** What {@code /actuator/asynctasq} answers. */
	public record Overview(String driver, List<QueueSummary> queues, List<WorkerSummary> workers) {
	}

	/** A queue with its counts. */
	public record QueueSummary(String name, long ready, long delayed, long inFlight, long deadLettered) {

		static QueueSummary of(String name, QueueCounts counts) {
			return new QueueSummary(name, counts.ready(), counts.delayed(), counts.inFlight(), counts.deadLettered());
		}

	}

	/** A live worker. */
	public record WorkerSummary(String id, String host, long pid, List<String> queues, int concurrency, int busy,
			long processed, long failed, Instant startedAt, Instant lastBeat, String version) {

		static WorkerSummary of(WorkerHeartbeat beat) {
			return new WorkerSummary(beat.workerId(), beat.host(), beat.pid(), beat.queues(), beat.concurrency(),
					beat.busy(), beat.processed(), beat.failed(), beat.startedAt(), beat.lastBeat(), beat.version());
		}

	}

	/** A page of dead letters. */
	public record DeadLetterPage(String queue, int offset, int limit, List<DeadLetterView> deadLetters) {
	}

	/** A dead letter, its arguments masked unless the caller may see them. */
	public record DeadLetterView(String id, @Nullable String task, @Nullable Object arguments, int attempts,
			String reason, @Nullable String errorClass, @Nullable String errorMessage, @Nullable String stackTrace,
			Instant enqueuedAt, Instant deadLetteredAt) {

		static DeadLetterView of(InspectedDeadLetter deadLetter, boolean showArguments) {
			Object arguments = (deadLetter.argumentsJson() == null) ? null
					: showArguments ? json(deadLetter.argumentsJson()) : MASK;
			return new DeadLetterView(deadLetter.taskId(), deadLetter.taskName(), arguments, deadLetter.attempts(),
					deadLetter.reason(), deadLetter.errorClass(), deadLetter.errorMessage(), deadLetter.stackTrace(),
					deadLetter.enqueuedAt(), deadLetter.deadLetteredAt());
		}

	}

	/** A task's status, its result as JSON. */
	public record TaskView(String id, TaskStatus.State state, @Nullable String task, @Nullable String queue,
			int attempts, @Nullable Instant enqueuedAt, @Nullable Instant startedAt, @Nullable Instant finishedAt,
			@Nullable Instant nextAttemptAt, @Nullable String errorClass, @Nullable String errorMessage,
			@Nullable JsonNode result, @Nullable String detail) {

		static TaskView of(TaskStatus status) {
			return new TaskView(status.taskId(), status.state(), status.taskName(), status.queue(), status.attempts(),
					status.enqueuedAt(), status.startedAt(), status.finishedAt(), status.nextAttemptAt(),
					status.errorClass(), status.errorMessage(), json(status.resultJson()), status.detail());
		}

	}

}
