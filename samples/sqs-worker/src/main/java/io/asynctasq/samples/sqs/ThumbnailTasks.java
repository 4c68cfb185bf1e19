package io.asynctasq.samples.sqs;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.asynctasq.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/** The sample's task. */
@Component
public class ThumbnailTasks {

	private static final Logger logger = LoggerFactory.getLogger(ThumbnailTasks.class);

	private final Set<String> made = ConcurrentHashMap.newKeySet();

	@Task(name = "make-thumbnail")
	public void makeThumbnail(String image) {
		this.made.add(image);
		logger.info("Thumbnail of {} made", image);
	}

	/** The images whose thumbnail this instance made. */
	public Set<String> made() {
		return Set.copyOf(this.made);
	}

}
