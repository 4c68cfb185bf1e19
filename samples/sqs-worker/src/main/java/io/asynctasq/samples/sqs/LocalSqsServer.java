package io.asynctasq.samples.sqs;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/** The local profile: an ElasticMQ server in this JVM, started before the worker and stopped with the context. */
@Configuration(proxyBeanMethods = false)
@Profile("local")
class LocalSqsServer {

	@Bean(destroyMethod = "stopAndWait")
	SQSRestServer elasticMq(@Value("${local-sqs.port}") int port) {
		SQSRestServer server = SQSRestServerBuilder.withPort(port).withInterface("127.0.0.1").start();
		server.waitUntilStarted();
		return server;
	}

}
