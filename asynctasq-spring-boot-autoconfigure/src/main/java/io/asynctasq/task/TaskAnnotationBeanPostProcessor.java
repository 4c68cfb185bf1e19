package io.asynctasq.task;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EmbeddedValueResolverAware;
import org.springframework.core.Ordered;
import org.springframework.util.StringValueResolver;
import org.springframework.util.function.SingletonSupplier;

/**
 * Registers the tasks of every bean: its {@code @Task} methods and, for a
 * {@link io.asynctasq.TaskHandler}, itself. A singleton's tasks run on the bean the container
 * exposes, so tasks of proxied beans are invoked through the proxy (transactions and other advice
 * apply) even when the proxy is created by a post-processor that runs after this one.
 */
public class TaskAnnotationBeanPostProcessor
		implements BeanPostProcessor, EmbeddedValueResolverAware, BeanFactoryAware, SmartInitializingSingleton, Ordered {

	private final TaskRegistry registry;

	private AnnotatedTasks annotatedTasks = new AnnotatedTasks(null);

	private ConfigurableListableBeanFactory beanFactory;

	/**
	 * Tasks of singletons whose exposed object is looked up once all exist, rather than on a worker thread at
	 * any later time, and checked to be invocable on it.
	 */
	private final List<Registered> unresolved = new ArrayList<>();

	private boolean singletonsInstantiated;

	public TaskAnnotationBeanPostProcessor(TaskRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void setEmbeddedValueResolver(StringValueResolver resolver) {
		this.annotatedTasks = new AnnotatedTasks(resolver);
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
			this.beanFactory = listable;
		}
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		Supplier<Object> target = invocationTarget(bean, beanName);
		List<TaskDefinition> tasks = this.annotatedTasks.registerTasksOf(bean, target, this.registry);
		if (!tasks.isEmpty()) {
			synchronized (this.unresolved) {
				if (!this.singletonsInstantiated) {
					this.unresolved.add(new Registered(tasks, target));
				}
			}
		}
		return bean;
	}

	@Override
	public void afterSingletonsInstantiated() {
		List<Registered> registered;
		synchronized (this.unresolved) {
			this.singletonsInstantiated = true;
			registered = List.copyOf(this.unresolved);
			this.unresolved.clear();
		}
		for (Registered tasks : registered) {
			AnnotatedTasks.checkInvocable(tasks.definitions(), tasks.target().get());
		}
	}

	/**
	 * The object tasks of {@code bean} run on: for a singleton, the one the container finally exposes
	 * (post-processors after this one may still wrap {@code bean} in a proxy); else {@code bean}.
	 */
	private Supplier<Object> invocationTarget(Object bean, String beanName) {
		ConfigurableListableBeanFactory factory = this.beanFactory;
		if (factory == null || beanName == null || bean instanceof FactoryBean || !factory.containsBean(beanName)
				|| !factory.isSingleton(beanName)) {
			return () -> bean;
		}
		Class<?> userClass = AopProxyUtils.ultimateTargetClass(bean);
		return SingletonSupplier.of(() -> {
			Object exposed = factory.getBean(beanName);
			return (AopProxyUtils.ultimateTargetClass(exposed) == userClass) ? exposed : bean;
		});
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	private record Registered(List<TaskDefinition> definitions, Supplier<Object> target) {
	}

}
