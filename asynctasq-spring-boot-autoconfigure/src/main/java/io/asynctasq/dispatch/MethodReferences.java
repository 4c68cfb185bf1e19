package io.asynctasq.dispatch;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;

import org.springframework.asm.Type;
import org.springframework.core.NativeDetector;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds the method a method reference such as {@code EmailTasks::sendEmail} points to, from the
 * metadata the compiler keeps for serializable lambdas (nothing is serialized).
 */
final class MethodReferences {

	private MethodReferences() {
	}

	/**
	 * @throws IllegalArgumentException when {@code reference} is not a method reference
	 */
	static Method resolve(Object reference) {
		SerializedLambda lambda = serializedForm(reference);
		if (lambda.getImplMethodName().startsWith("lambda$")) {
			throw new IllegalArgumentException("Dispatch by method reference needs a reference such as "
					+ "EmailTasks::sendEmail, not a lambda expression");
		}
		String className = lambda.getImplClass().replace('/', '.');
		Class<?> type;
		try {
			type = ClassUtils.forName(className, reference.getClass().getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			throw new IllegalArgumentException("Cannot load " + className + " of method reference", ex);
		}
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			for (Method method : current.getDeclaredMethods()) {
				if (method.getName().equals(lambda.getImplMethodName())
						&& Type.getMethodDescriptor(method).equals(lambda.getImplMethodSignature())) {
					return method;
				}
			}
		}
		for (Method method : type.getMethods()) {
			if (method.getName().equals(lambda.getImplMethodName())
					&& Type.getMethodDescriptor(method).equals(lambda.getImplMethodSignature())) {
				return method;
			}
		}
		throw new IllegalArgumentException("Cannot find method " + className + "." + lambda.getImplMethodName());
	}

	private static SerializedLambda serializedForm(Object reference) {
		Method writeReplace = ReflectionUtils.findMethod(reference.getClass(), "writeReplace");
		if (writeReplace == null) {
			throw new IllegalArgumentException("Not a method reference: " + reference.getClass().getName()
					+ (NativeDetector.inNativeImage() ? " (in a native image, a method reference to a task is "
							+ "readable when it is written in a bean's class; dispatch by the task's name elsewhere)"
							: ""));
		}
		ReflectionUtils.makeAccessible(writeReplace);
		Object form = ReflectionUtils.invokeMethod(writeReplace, reference);
		if (!(form instanceof SerializedLambda lambda)) {
			throw new IllegalArgumentException("Not a method reference: " + reference.getClass().getName());
		}
		return lambda;
	}

}
