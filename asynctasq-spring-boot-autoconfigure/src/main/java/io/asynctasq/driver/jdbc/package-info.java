/**
 * The JDBC driver: PostgreSQL, MySQL/MariaDB and H2 through the application's DataSource.
 */
@NullMarked
package io.asynctasq.driver.jdbc;

import org.jspecify.annotations.NullMarked;
