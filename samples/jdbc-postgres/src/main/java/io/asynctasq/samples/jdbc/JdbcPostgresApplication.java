package io.asynctasq.samples.jdbc;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The JDBC driver on PostgreSQL: an order and the task that confirms it are saved in one transaction.
 * Places one order that commits and one whose transaction rolls back, shows that only the first one's
 * task exists and runs, and exits 0.
 */
@SpringBootApplication
public class JdbcPostgresApplication {

	public static void main(String[] args) {
		System.exit(SpringApplication.exit(SpringApplication.run(JdbcPostgresApplication.class, args)));
	}

}
