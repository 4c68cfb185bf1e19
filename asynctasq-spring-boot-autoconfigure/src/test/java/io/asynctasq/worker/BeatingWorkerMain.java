package io.asynctasq.worker;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.asynctasq.driver.redis.RedisDriver;
import io.asynctasq.driver.redis.RedisTestSupport;
import io.asynctasq.runtime.AsyncTasq;

/**
 * The worker {@link ClusterWorkersTests} kills: a separate JVM whose worker beats on Redis until the process is
 * killed, so it never removes its heartbeat. Arguments: key prefix, queue, heartbeat interval.
 */
public final class BeatingWorkerMain {

	private BeatingWorkerMain() {
	}

	public static void main(String[] args) throws InterruptedException {
		AsyncTasq.builder()
			.driver(new RedisDriver(RedisTestSupport.connectionFactory("asynctasq-beating-worker"), args[0]))
			.queues(args[1])
			.concurrency(1)
			.heartbeatInterval(Duration.parse(args[2]))
			.build();
		new CountDownLatch(1).await();
	}

}
