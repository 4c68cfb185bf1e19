package io.asynctasq.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Marks the {@code DataSource} AsyncTasQ uses (the JDBC driver, and the results store on {@code jdbc}) when the
 * application has several, as Boot's {@code @QuartzDataSource} does for Quartz; without one, AsyncTasQ uses
 * the application's single (or {@code @Primary}) DataSource.
 */
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface AsyncTasqDataSource {

}
