package io.asynctasq.samples.quickstart;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Dispatches four tasks on the embedded driver (one succeeds, one fails twice then succeeds, one is
 * delayed, one ends in the dead-letter queue), logs each step and exits 0 when all are settled.
 */
@SpringBootApplication
public class QuickstartApplication {

	public static void main(String[] args) {
		System.exit(SpringApplication.exit(SpringApplication.run(QuickstartApplication.class, args)));
	}

}
