package io.asynctasq.samples.sqs;

import io.asynctasq.TaskDispatcher;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A worker on SQS that dispatches three thumbnails at startup and runs them. {@code --app.dispatch=false} makes it
 * a worker only.
 */
@SpringBootApplication
public class SqsWorkerApplication {

	public static void main(String[] args) {
		SpringApplication.run(SqsWorkerApplication.class, args);
	}

	@Bean
	ApplicationRunner dispatchThumbnails(TaskDispatcher dispatcher,
			@org.springframework.beans.factory.annotation.Value("${app.dispatch:true}") boolean dispatch) {
		return (args) -> {
			if (dispatch) {
				for (String image : new String[] { "cat.png", "dog.png", "owl.png" }) {
					dispatcher.dispatch(ThumbnailTasks::makeThumbnail, image);
				}
			}
		};
	}

}
