package io.asynctasq.task;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import io.asynctasq.TaskContext;
import io.asynctasq.TaskHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.generate.GenerationContext;
import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.aot.BeanRegistrationCode;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

/**
 * Registers, when an application is processed ahead of time, the reflection its tasks need in a native
 * image: invocation of every {@code @Task} method of a bean (found as {@link TaskAnnotationBeanPostProcessor}
 * finds them at runtime), and binding of what their arguments and return values are read into and written
 * from as JSON (parameter types, return types, a {@link TaskHandler}'s payload type, with their properties
 * and type arguments).
 */
class TaskBeanRegistrationAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> beanClass = ClassUtils.getUserClass(registeredBean.getBeanType().toClass());
		List<Method> methods = new ArrayList<>(AnnotatedTasks.taskMethodsOf(beanClass).keySet());
		Set<Type> boundTypes = new LinkedHashSet<>();
		for (Method method : methods) {
			for (Type parameter : method.getGenericParameterTypes()) {
				if (parameter != TaskContext.class) {
					boundTypes.add(parameter);
				}
			}
			Type value = valueType(method);
			if (value != null) {
				boundTypes.add(value);
			}
		}
		if (TaskHandler.class.isAssignableFrom(beanClass)) {
			boundTypes.add(AnnotatedTasks.payloadTypeOf(beanClass).getType());
		}
		if (methods.isEmpty() && boundTypes.isEmpty()) {
			return null;
		}
		return new TaskHints(beanClass, methods, List.copyOf(boundTypes));
	}

	/** Results awaited for their value: futures, and Reactive Streams publishers (Mono, Flux) when present. */
	private static final List<Class<?>> ASYNC_RESULTS = asyncResults();

	private static List<Class<?>> asyncResults() {
		List<Class<?>> types = new ArrayList<>(List.of(CompletionStage.class, Future.class));
		ClassLoader classLoader = TaskBeanRegistrationAotProcessor.class.getClassLoader();
		if (ClassUtils.isPresent("org.reactivestreams.Publisher", classLoader)) {
			types.add(ClassUtils.resolveClassName("org.reactivestreams.Publisher", classLoader));
		}
		return List.copyOf(types);
	}

	/**
	 * The type of the value a task method's result is written from: what its future completes with, else
	 * what it returns; {@code null} when it returns nothing.
	 */
	private static @Nullable Type valueType(Method method) {
		Class<?> returned = method.getReturnType();
		if (returned == void.class || returned == Void.class) {
			return null;
		}
		ResolvableType type = ResolvableType.forMethodReturnType(method);
		for (Class<?> future : ASYNC_RESULTS) {
			if (future.isAssignableFrom(returned)) {
				Type declared = method.getGenericReturnType();
				ResolvableType completed = type.as(future).getGeneric(0);
				if (completed.resolve(Object.class) == Void.class || completed.resolve(Object.class) == Object.class) {
					return null;
				}
				// CompletableFuture<Priced>: its type argument as written, with its own type arguments
				return (declared instanceof ParameterizedType parameterized
						&& parameterized.getActualTypeArguments().length == 1) ? parameterized.getActualTypeArguments()[0]
								: completed.toClass();
			}
		}
		return method.getGenericReturnType();
	}

	private record TaskHints(Class<?> beanClass, List<Method> methods,
			List<Type> boundTypes) implements BeanRegistrationAotContribution {

		@Override
		public void applyTo(GenerationContext generationContext, BeanRegistrationCode beanRegistrationCode) {
			ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
			for (Method method : this.methods) {
				reflection.registerMethod(method, ExecutableMode.INVOKE);
				// a JDK proxy is invoked through the interface's declaration of the method
				Method declared = ClassUtils.getInterfaceMethodIfPossible(method, this.beanClass);
				if (!declared.equals(method)) {
					reflection.registerMethod(declared, ExecutableMode.INVOKE);
				}
			}
			new BindingReflectionHintsRegistrar().registerReflectionHints(reflection,
					this.boundTypes.toArray(Type[]::new));
		}

	}

}
