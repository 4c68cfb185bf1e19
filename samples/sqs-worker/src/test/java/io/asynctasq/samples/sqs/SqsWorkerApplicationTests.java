package io.asynctasq.samples.sqs;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.awaitility.Awaitility.await;

/** The sample as it starts on a fresh clone: the local profile's ElasticMQ, three thumbnails dispatched and made. */
@SpringBootTest(properties = "local-sqs.port=9325")
class SqsWorkerApplicationTests {

	@Autowired
	ThumbnailTasks thumbnails;

	@Test
	void theDispatchedThumbnailsAreMadeThroughSqs() {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.thumbnails.made().equals(Set.of("cat.png", "dog.png", "owl.png")));
	}

}
