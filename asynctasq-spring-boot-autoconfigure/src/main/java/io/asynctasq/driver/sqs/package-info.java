/**
 * The AWS SQS driver on the AWS SDK for Java v2's asynchronous client: a work queue and a dead-letter queue per
 * queue, the lease as the visibility timeout, and what SQS cannot hold (a released task's place at the front,
 * the fencing of a lost lease) kept in this process. Design and limits in {@code docs/sqs.md}.
 */
@NullMarked
package io.asynctasq.driver.sqs;

import org.jspecify.annotations.NullMarked;
