package io.asynctasq.codec;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class IsoInstantsTests {

	@Test
	void writesAndReadsEveryInstantAsTheJdkDoes() {
		SplittableRandom random = new SplittableRandom(42);
		for (int i = 0; i < 100_000; i++) {
			long second = random.nextLong(-100_000_000_000L, 300_000_000_000L);
			int nanos = switch (i % 4) {
				case 0 -> 0;
				case 1 -> random.nextInt(1000) * 1_000_000;
				case 2 -> random.nextInt(1_000_000) * 1000;
				default -> random.nextInt(1_000_000_000);
			};
			Instant instant = Instant.ofEpochSecond(second, nanos);
			String text = IsoInstants.format(instant);
			assertThat(text).as("%s", instant).isEqualTo(instant.toString());
			assertThat(IsoInstants.parse(text)).isEqualTo(instant);
		}
	}

	@Test
	void readsTheSameSecondAgainAndTheNextOne() {
		Instant start = Instant.parse("2026-12-31T23:59:59.999999Z");
		for (Instant instant : List.of(start, start.plusNanos(1), start.plusMillis(1), start.minusSeconds(86_400 * 365),
				Instant.parse("2028-02-29T00:00:00Z"), Instant.parse("2000-01-01T00:00:00Z"))) {
			assertThat(IsoInstants.parse(IsoInstants.format(instant))).isEqualTo(instant);
			assertThat(IsoInstants.parse(instant.toString())).isEqualTo(instant);
		}
	}

	@Test
	void readsOtherFormsTheWayTheJdkDoes() {
		for (String text : List.of("2026-12-02T05:33:34.1Z", "2026-12-02T05:33:34.12345678Z", "1969-12-31T23:59:59Z",
				"+12026-12-02T05:33:34Z")) {
			assertThat(IsoInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
		}
	}

	@Test
	void refusesWhatIsNotAnInstant() {
		for (String text : List.of("yesterday", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-02T25:00:00Z",
				"2026-12-02T05:33:34.1234567890Z", "2026-12-02T05:33:3xZ", "2026-12-02 05:33:34Z",
				"2026-12-02T05:33:34.12a4Z")) {
			assertThatExceptionOfType(DateTimeException.class).as(text).isThrownBy(() -> IsoInstants.parse(text));
		}
	}

	@Test
	void agreesWithTheJdkOnTextsOneCharacterAway() {
		SplittableRandom random = new SplittableRandom(7);
		String alphabet = "0123456789-:.TZz+ x";
		for (int i = 0; i < 50_000; i++) {
			StringBuilder text = new StringBuilder(Instant.ofEpochSecond(random.nextLong(946_684_800L, 4_000_000_000L),
					random.nextInt(1_000_000) * 1000).toString());
			int at = random.nextInt(text.length());
			switch (random.nextInt(3)) {
				case 0 -> text.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
				case 1 -> text.deleteCharAt(at);
				default -> text.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
			}
			String candidate = text.toString();
			Instant expected;
			try {
				expected = Instant.parse(candidate);
			}
			catch (DateTimeException ex) {
				assertThatExceptionOfType(DateTimeException.class).as(candidate)
					.isThrownBy(() -> IsoInstants.parse(candidate));
				continue;
			}
			assertThat(IsoInstants.parse(candidate)).as(candidate).isEqualTo(expected);
		}
	}

}
