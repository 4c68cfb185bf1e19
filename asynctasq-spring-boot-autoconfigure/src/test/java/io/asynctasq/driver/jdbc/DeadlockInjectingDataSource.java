package io.asynctasq.driver.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A DataSource whose statements matching a predicate fail like a MariaDB deadlock victim (SQLState
 * 40001, error 1213) every other execution, a given number of times, so the driver's transparent retry can be shown
 * deterministically.
 */
final class DeadlockInjectingDataSource extends DelegatingDataSource {

	private final Predicate<String> matches;

	private final AtomicInteger failuresLeft;

	private final AtomicInteger injected = new AtomicInteger();

	private final AtomicInteger calls = new AtomicInteger();

	DeadlockInjectingDataSource(DataSource target, Predicate<String> matches, int failures) {
		super(target);
		this.matches = matches;
		this.failuresLeft = new AtomicInteger(failures);
	}

	int injected() {
		return this.injected.get();
	}

	@Override
	public Connection getConnection() throws SQLException {
		Connection connection = super.getConnection();
		return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
				forward(connection, (method, args) -> {
					if (method.getName().equals("prepareStatement") && args != null && args[0] instanceof String sql
							&& this.matches.test(sql)) {
						PreparedStatement statement = (PreparedStatement) method.invoke(connection, args);
						return Proxy.newProxyInstance(getClass().getClassLoader(),
								new Class<?>[] { PreparedStatement.class }, forward(statement, (m, a) -> {
									if (m.getName().startsWith("execute") && this.calls.getAndIncrement() % 2 == 0
											&& this.failuresLeft.getAndDecrement() > 0) {
										this.injected.incrementAndGet();
										throw new SQLTransactionRollbackException(
												"Deadlock found when trying to get lock; try restarting transaction",
												"40001", 1213);
									}
									return m.invoke(statement, a);
								}));
					}
					return method.invoke(connection, args);
				}));
	}

	private static InvocationHandler forward(Object target, Call call) {
		return (proxy, method, args) -> {
			try {
				if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
					return method.invoke(target, args);
				}
				return call.invoke(method, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getTargetException();
			}
		};
	}

	@FunctionalInterface
	private interface Call {

		Object invoke(java.lang.reflect.Method method, Object[] args) throws Throwable;

	}

}
