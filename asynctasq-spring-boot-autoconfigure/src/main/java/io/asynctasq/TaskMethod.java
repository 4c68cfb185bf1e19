package io.asynctasq;

import java.io.Serializable;

/**
 * Target types for type-safe dispatch by method reference, e.g.
 * {@code dispatcher.dispatch(EmailTasks::sendEmail, "a@b.c", "Hi")}. They are serializable only so
 * that the referenced method can be read from the lambda's metadata; nothing is ever serialized with
 * Java serialization. A {@link TaskContext} parameter is passed as {@code null} at dispatch.
 */
public final class TaskMethod {

	private TaskMethod() {
	}

	@FunctionalInterface
	public interface Of0<T> extends Serializable {
		void invoke(T bean) throws Exception;
	}

	@FunctionalInterface
	public interface Of1<T, A> extends Serializable {
		void invoke(T bean, A a) throws Exception;
	}

	@FunctionalInterface
	public interface Of2<T, A, B> extends Serializable {
		void invoke(T bean, A a, B b) throws Exception;
	}

	@FunctionalInterface
	public interface Of3<T, A, B, C> extends Serializable {
		void invoke(T bean, A a, B b, C c) throws Exception;
	}

	@FunctionalInterface
	public interface Of4<T, A, B, C, D> extends Serializable {
		void invoke(T bean, A a, B b, C c, D d) throws Exception;
	}

	@FunctionalInterface
	public interface Of5<T, A, B, C, D, E> extends Serializable {
		void invoke(T bean, A a, B b, C c, D d, E e) throws Exception;
	}

	@FunctionalInterface
	public interface Of6<T, A, B, C, D, E, F> extends Serializable {
		void invoke(T bean, A a, B b, C c, D d, E e, F f) throws Exception;
	}

}
