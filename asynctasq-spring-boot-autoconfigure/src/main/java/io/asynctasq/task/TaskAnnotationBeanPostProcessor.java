package io.asynctasq.task;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EmbeddedValueResolverAware;
import org.springframework.core.Ordered;
import org.springframework.util.StringValueResolver;

/**
 * Registers the tasks of every bean: its {@code @Task} methods and, for a
 * {@link io.asynctasq.TaskHandler}, itself. Runs after proxying, so tasks of proxied beans are
 * invoked through the proxy (transactions and other advice apply).
 */
public class TaskAnnotationBeanPostProcessor implements BeanPostProcessor, EmbeddedValueResolverAware, Ordered {

	private final TaskRegistry registry;

	private AnnotatedTasks annotatedTasks = new AnnotatedTasks(null);

	public TaskAnnotationBeanPostProcessor(TaskRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void setEmbeddedValueResolver(StringValueResolver resolver) {
		this.annotatedTasks = new AnnotatedTasks(resolver);
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		this.annotatedTasks.registerTasksOf(bean, this.registry);
		return bean;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
