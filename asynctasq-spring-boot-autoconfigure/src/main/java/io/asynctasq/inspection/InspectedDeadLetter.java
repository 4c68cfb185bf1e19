package io.asynctasq.inspection;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A dead letter as operators read it: its failure and, decoded from the stored envelope, the task's name and
 * arguments.
 *
 * @param taskId the task's id
 * @param queue the queue it was dead-lettered from
 * @param taskName the task's name, or {@code null} when its payload cannot be decoded
 * @param argumentsJson the arguments as the JSON array dispatched, or {@code null} when not decodable
 * @param attempts attempts made
 * @param reason short reason ("failed", "undecodable payload", ...)
 * @param errorClass the class of the last error, or {@code null}
 * @param errorMessage its message, or {@code null}
 * @param stackTrace its stack trace, or {@code null}
 * @param enqueuedAt when the task was first stored
 * @param deadLetteredAt when it was dead-lettered
 */
public record InspectedDeadLetter(String taskId, String queue, @Nullable String taskName,
		@Nullable String argumentsJson, int attempts, String reason, @Nullable String errorClass,
		@Nullable String errorMessage, @Nullable String stackTrace, Instant enqueuedAt, Instant deadLetteredAt) {

}
