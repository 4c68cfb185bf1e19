package io.asynctasq.dispatch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.asynctasq.TaskMethod;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.generate.GenerationContext;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.aot.hint.TypeReference;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.Handle;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.aot.BeanRegistrationCode;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.util.ClassUtils;

/**
 * Registers, when an application is processed ahead of time, the method references to tasks
 * ({@code dispatcher.dispatch(EmailTasks::sendEmail, ..)}) that a bean's class makes, as lambdas a native
 * image keeps reflective access to: {@link MethodReferences} reads the referenced method from each
 * lambda's {@code writeReplace}. Found in the bean's class and its superclasses, by their bytecode.
 */
class MethodReferenceAotProcessor implements BeanRegistrationAotProcessor {

	private static final String TASK_METHOD = Type.getInternalName(TaskMethod.class) + "$Of";

	private static final byte[] TASK_METHOD_BYTES = TASK_METHOD.getBytes(StandardCharsets.UTF_8);

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> beanClass = ClassUtils.getUserClass(registeredBean.getBeanType().toClass());
		List<Site> sites = new ArrayList<>();
		for (Class<?> type = beanClass; type != null && type != Object.class; type = type.getSuperclass()) {
			sites.addAll(sitesIn(type));
		}
		return sites.isEmpty() ? null : new MethodReferenceHints(sites);
	}

	/** The method references to a {@code TaskMethod} in the bytecode of {@code type}. */
	static List<Site> sitesIn(Class<?> type) {
		byte[] bytes = bytecodeOf(type);
		if (bytes == null || !contains(bytes, TASK_METHOD_BYTES)) {
			return List.of();
		}
		List<Site> sites = new ArrayList<>();
		new ClassReader(bytes).accept(new ClassVisitor(SpringAsmInfo.ASM_VERSION) {

			@Override
			public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
					String[] exceptions) {
				if (name.equals("$deserializeLambda$")) {
					// the compiler's method that recreates the class's serializable lambdas, not a site of its own
					return null;
				}
				return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {

					@Override
					public void visitInvokeDynamicInsn(String lambdaName, String lambdaDescriptor, Handle bootstrap,
							Object... arguments) {
						String created = Type.getReturnType(lambdaDescriptor).getInternalName();
						if (bootstrap.getOwner().equals("java/lang/invoke/LambdaMetafactory")
								&& created.startsWith(TASK_METHOD)) {
							Site site = new Site(type, name, descriptor, Type.getReturnType(lambdaDescriptor).getClassName());
							if (!sites.contains(site)) {
								sites.add(site);
							}
						}
					}

				};
			}

		}, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
		return sites;
	}

	private static byte @Nullable [] bytecodeOf(Class<?> type) {
		ClassLoader classLoader = (type.getClassLoader() != null) ? type.getClassLoader()
				: ClassLoader.getSystemClassLoader();
		try (InputStream in = classLoader.getResourceAsStream(ClassUtils.convertClassNameToResourcePath(
				type.getName()) + ClassUtils.CLASS_FILE_SUFFIX)) {
			return (in != null) ? in.readAllBytes() : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	private static boolean contains(byte[] bytes, byte[] part) {
		outer: for (int i = 0; i <= bytes.length - part.length; i++) {
			for (int j = 0; j < part.length; j++) {
				if (bytes[i + j] != part[j]) {
					continue outer;
				}
			}
			return true;
		}
		return false;
	}

	/**
	 * A method reference to a task: the method of {@code declaringClass} it is written in, and the
	 * {@code TaskMethod} interface it implements.
	 */
	record Site(Class<?> declaringClass, String methodName, String methodDescriptor, String lambdaInterface) {

		List<TypeReference> parameterTypes() {
			return Arrays.stream(Type.getArgumentTypes(this.methodDescriptor))
				.map((type) -> TypeReference.of(type.getClassName()))
				.toList();
		}

	}

	private record MethodReferenceHints(List<Site> sites) implements BeanRegistrationAotContribution {

		@Override
		public void applyTo(GenerationContext generationContext, BeanRegistrationCode beanRegistrationCode) {
			ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
			for (Site site : this.sites) {
				reflection.registerLambda(site.declaringClass(),
						(lambda) -> lambda.withDeclaringMethod(site.methodName(), site.parameterTypes())
							.withInterfaces(TypeReference.of(site.lambdaInterface())));
			}
		}

	}

}
