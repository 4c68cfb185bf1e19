package io.asynctasq.task;

import java.lang.reflect.Type;

/**
 * One dispatched parameter of a task: the declared type its JSON value is decoded into.
 *
 * @param position position among the dispatched arguments (a {@code TaskContext} parameter is skipped)
 * @param name parameter name, when compiled with {@code -parameters}, else {@code argN}
 * @param type declared (generic) type
 * @param rawType declared raw type
 */
public record TaskParameter(int position, String name, Type type, Class<?> rawType) {

	/** How a message names this parameter: "parameter 2 'subject' (java.lang.String)". */
	public String describe() {
		return "parameter " + (this.position + 1) + " '" + this.name + "' (" + this.type.getTypeName() + ")";
	}

}
