package io.asynctasq.codec;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes and reads instants exactly as {@link Instant#toString()} and {@link Instant#parse} do
 * ({@code 2026-12-02T05:33:34.123456Z}), without a formatter: the date and time of the last second seen
 * are kept, so an envelope's timestamp costs a few string operations instead of a formatter's field map.
 * Anything outside the years 2000 to 9999, or not in that exact form, goes the JDK's way.
 */
final class IsoInstants {

	/** 2000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range of the fast path. */
	private static final long MIN_SECOND = 946_684_800L;

	private static final long MAX_SECOND = 253_402_300_799L;

	private static final int PREFIX_LENGTH = 19; // yyyy-MM-ddTHH:mm:ss

	/** A second and its text; replaced, never changed, so threads may share it without a lock. */
	private record Second(long epochSecond, String text) {
	}

	private static volatile Second lastFormatted = new Second(MIN_SECOND, "2000-01-01T00:00:00");

	private static volatile Second lastParsed = lastFormatted;

	private IsoInstants() {
	}

	static String format(Instant instant) {
		long epochSecond = instant.getEpochSecond();
		if (epochSecond < MIN_SECOND || epochSecond > MAX_SECOND) {
			return instant.toString();
		}
		Second second = lastFormatted;
		if (second.epochSecond() != epochSecond) {
			second = new Second(epochSecond, secondText(epochSecond));
			lastFormatted = second;
		}
		int nanos = instant.getNano();
		if (nanos == 0) {
			return second.text() + 'Z';
		}
		StringBuilder text = new StringBuilder(PREFIX_LENGTH + 11).append(second.text()).append('.');
		if (nanos % 1_000_000 == 0) {
			appendDigits(text, nanos / 1_000_000, 3);
		}
		else if (nanos % 1000 == 0) {
			appendDigits(text, nanos / 1000, 6);
		}
		else {
			appendDigits(text, nanos, 9);
		}
		return text.append('Z').toString();
	}

	/**
	 * Parses what {@link #format} writes; any other text goes to {@link Instant#parse}.
	 * @throws DateTimeException when the text is not an instant
	 */
	static Instant parse(String text) {
		int length = text.length();
		if (length < PREFIX_LENGTH + 1 || text.charAt(length - 1) != 'Z' || text.charAt(10) != 'T') {
			return Instant.parse(text);
		}
		Second second = lastParsed;
		long epochSecond;
		if (text.regionMatches(0, second.text(), 0, PREFIX_LENGTH)) {
			epochSecond = second.epochSecond();
		}
		else {
			epochSecond = parseSecond(text);
			if (epochSecond < 0) {
				return Instant.parse(text);
			}
			lastParsed = new Second(epochSecond, text.substring(0, PREFIX_LENGTH));
		}
		int nanos = 0;
		if (length > PREFIX_LENGTH + 1) {
			int digits = length - PREFIX_LENGTH - 2;
			if (text.charAt(PREFIX_LENGTH) != '.' || digits < 1 || digits > 9) {
				return Instant.parse(text);
			}
			for (int i = PREFIX_LENGTH + 1; i < length - 1; i++) {
				int digit = text.charAt(i) - '0';
				if (digit < 0 || digit > 9) {
					return Instant.parse(text);
				}
				nanos = nanos * 10 + digit;
			}
			for (int i = digits; i < 9; i++) {
				nanos *= 10;
			}
		}
		return Instant.ofEpochSecond(epochSecond, nanos);
	}

	/** The epoch second of {@code yyyy-MM-ddTHH:mm:ss} at the start of {@code text}, or -1 when it is not one. */
	private static long parseSecond(String text) {
		if (text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(13) != ':' || text.charAt(16) != ':') {
			return -1;
		}
		int year = number(text, 0, 4);
		int month = number(text, 5, 2);
		int day = number(text, 8, 2);
		int hour = number(text, 11, 2);
		int minute = number(text, 14, 2);
		int second = number(text, 17, 2);
		if (year < 2000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59
				|| minute < 0 || hour < 0 || second < 0 || day > 31) {
			return -1;
		}
		try {
			return LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second;
		}
		catch (DateTimeException ex) {
			return -1; // a day the month does not have: Instant.parse says so
		}
	}

	/** The decimal number of {@code count} digits at {@code start}, or -1 when one of them is not a digit. */
	private static int number(String text, int start, int count) {
		int value = 0;
		for (int i = start; i < start + count; i++) {
			int digit = text.charAt(i) - '0';
			if (digit < 0 || digit > 9) {
				return -1;
			}
			value = value * 10 + digit;
		}
		return value;
	}

	private static String secondText(long epochSecond) {
		long day = Math.floorDiv(epochSecond, 86_400L);
		int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
		LocalDate date = LocalDate.ofEpochDay(day);
		StringBuilder text = new StringBuilder(PREFIX_LENGTH);
		appendDigits(text, date.getYear(), 4);
		text.append('-');
		appendDigits(text, date.getMonthValue(), 2);
		text.append('-');
		appendDigits(text, date.getDayOfMonth(), 2);
		text.append('T');
		appendDigits(text, secondOfDay / 3600, 2);
		text.append(':');
		appendDigits(text, (secondOfDay / 60) % 60, 2);
		text.append(':');
		appendDigits(text, secondOfDay % 60, 2);
		return text.toString();
	}

	private static void appendDigits(StringBuilder text, int value, int width) {
		int divisor = 1;
		for (int i = 1; i < width; i++) {
			divisor *= 10;
		}
		for (; divisor > 0; divisor /= 10) {
			text.append((char) ('0' + (value / divisor) % 10));
		}
	}

}
