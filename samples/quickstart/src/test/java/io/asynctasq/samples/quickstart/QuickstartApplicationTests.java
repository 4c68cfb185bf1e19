package io.asynctasq.samples.quickstart;

import io.asynctasq.driver.QueueDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
@ExtendWith(OutputCaptureExtension.class)
class QuickstartApplicationTests {

	@Autowired
	QuickstartRunner runner;

	@Autowired
	QueueDriver driver;

	@Test
	void everyTaskSettlesAsTheSampleDescribes(CapturedOutput output) {
		assertThat(this.runner.getExitCode()).isZero();
		assertThat(output).contains("'import-orders' completed on attempt 3")
			.contains("'send-welcome-email' completed on attempt 1")
			.contains("'send-reminder' completed on attempt 1")
			.contains("'charge-card' moved to the dead-letter queue");
		assertThat(this.driver.counts("default").deadLettered()).isEqualTo(1);
		assertThat(this.driver.counts("default").ready()).isZero();
	}

}
