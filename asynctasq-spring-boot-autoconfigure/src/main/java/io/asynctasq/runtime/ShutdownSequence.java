package io.asynctasq.runtime;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleanup steps run in order, each isolated from the others' failures: a step that throws is logged
 * and the next one still runs.
 */
public final class ShutdownSequence {

	private static final Logger logger = LoggerFactory.getLogger(ShutdownSequence.class);

	private final List<Step> steps = new ArrayList<>();

	/** Adds a step; {@code name} says what it closes, for the log. */
	public ShutdownSequence then(String name, Step step) {
		this.steps.add(new Step() {

			@Override
			public void run() throws Exception {
				step.run();
			}

			@Override
			public String toString() {
				return name;
			}

		});
		return this;
	}

	/** Runs every step once, in order; returns how many failed. */
	public int run() {
		int failures = 0;
		for (Step step : this.steps) {
			try {
				step.run();
				logger.debug("AsyncTasQ shutdown: {} closed", step);
			}
			catch (Exception | LinkageError ex) {
				failures++;
				logger.error("AsyncTasQ shutdown: closing {} failed; continuing with the next step", step, ex);
			}
		}
		return failures;
	}

	/** One cleanup step. */
	@FunctionalInterface
	public interface Step {

		void run() throws Exception;

	}

}
