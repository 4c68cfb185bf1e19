package io.asynctasq.dispatch;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

import io.asynctasq.TaskContext;
import io.asynctasq.TaskDispatch;
import io.asynctasq.TaskDispatcher;
import io.asynctasq.TaskHandler;
import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.codec.TaskEnvelope;
import io.asynctasq.driver.BoundedCalls;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.QueueNames;
import io.asynctasq.driver.TaskMessage;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.TaskEvent;
import io.asynctasq.observation.TaskObservationOutcomes;
import io.asynctasq.observation.TaskObserver;
import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskOptions;
import io.asynctasq.task.TaskRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates a dispatch against the local registry, encodes it and hands it to the driver.
 */
public class DefaultTaskDispatcher implements TaskDispatcher {

	private static final Logger logger = LoggerFactory.getLogger(DefaultTaskDispatcher.class);

	private final QueueDriver driver;

	private final TaskRegistry registry;

	private final PayloadCodec codec;

	private final String defaultQueue;

	private final Executor executor;

	private final AsyncTasqEventListener events;

	private final BoundedCalls driverCalls;

	private final long maxPayloadSize;

	private volatile DispatchDeferral deferral = DispatchDeferral.NONE;

	private volatile TaskObserver observer = TaskObserver.NONE;

	private volatile List<DispatchInterceptor> interceptors = List.of();

	private volatile boolean closed;

	/** Default of the longest a dispatch waits for its driver: 5 s. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

	/** Default of the largest encoded task accepted: 1 MiB. */
	public static final long DEFAULT_MAX_PAYLOAD_SIZE = 1024 * 1024;

	/** Driver calls of dispatches running at once, at most; more wait (within the timeout) for one to end. */
	static final int MAX_CALLS_IN_FLIGHT = 256;

	/** A dispatcher with the default timeout and payload limit. */
	public DefaultTaskDispatcher(QueueDriver driver, TaskRegistry registry, PayloadCodec codec, String defaultQueue,
			Executor executor, AsyncTasqEventListener events) {
		this(driver, registry, codec, defaultQueue, executor, events, DEFAULT_TIMEOUT, DEFAULT_MAX_PAYLOAD_SIZE);
	}

	/**
	 * @param defaultQueue queue of tasks whose annotation and dispatch name none
	 * @param executor runs the driver calls of dispatches, so a caller waits for them at most {@code timeout};
	 * it must run up to {@value #MAX_CALLS_IN_FLIGHT} calls at once (virtual threads, or a cached pool). Owned by
	 * this dispatcher, which shuts it down on {@link #close()} when it is an {@code ExecutorService}
	 * @param timeout the longest {@code dispatch} waits for the driver to accept a task, and the longest before
	 * the future of {@code dispatchAsync} fails; an enqueue joining the caller's database transaction runs on
	 * the caller's thread and is not bounded by it
	 * @param maxPayloadSize the largest encoded task accepted, in bytes
	 */
	public DefaultTaskDispatcher(QueueDriver driver, TaskRegistry registry, PayloadCodec codec, String defaultQueue,
			Executor executor, AsyncTasqEventListener events, Duration timeout, long maxPayloadSize) {
		this.driver = DriverFacade.of(driver);
		this.registry = registry;
		this.codec = codec;
		this.defaultQueue = QueueNames.validate(defaultQueue);
		this.executor = executor;
		this.events = events;
		if (timeout == null || timeout.isZero() || timeout.isNegative()) {
			throw new IllegalArgumentException("The dispatch timeout must be positive, was " + timeout);
		}
		if (maxPayloadSize < 1) {
			throw new IllegalArgumentException("The maximum payload size must be positive, was " + maxPayloadSize);
		}
		this.driverCalls = new BoundedCalls(executor, timeout, "asynctasq.dispatch.timeout", driver.name(),
				MAX_CALLS_IN_FLIGHT);
		this.maxPayloadSize = maxPayloadSize;
	}

	@Override
	public String dispatch(String taskName, Object... args) {
		return task(taskName).dispatch(args);
	}

	@Override
	public CompletableFuture<String> dispatchAsync(String taskName, Object... args) {
		return task(taskName).dispatchAsync(args);
	}

	@Override
	public TaskDispatch task(String taskName) {
		if (taskName == null || taskName.isBlank()) {
			throw new IllegalArgumentException("Task name must not be empty");
		}
		return new PendingDispatch(taskName, this.registry.find(taskName).orElse(null), false);
	}

	@Override
	public TaskDispatch task(Class<? extends TaskHandler<?>> handlerType) {
		TaskDefinition task = this.registry.findByHandlerType(handlerType)
			.orElseThrow(() -> new IllegalArgumentException(handlerType.getName()
					+ " is not a registered task: declare it as a Spring bean (or register it with the runtime)"));
		return new PendingDispatch(task.name(), task, false);
	}

	@Override
	public TaskDispatch taskOf(Object methodReference) {
		Method method = MethodReferences.resolve(Objects.requireNonNull(methodReference, "methodReference"));
		TaskDefinition task = this.registry.findByMethod(method)
			.orElseThrow(() -> new IllegalArgumentException(method.getDeclaringClass().getSimpleName() + "."
					+ method.getName() + " is not a registered task: annotate it with @Task on a Spring bean"));
		return new PendingDispatch(task.name(), task, true);
	}

	/**
	 * Lets {@code deferral} decide, per dispatch, whether the task is sent at once or later (after the
	 * caller's transaction commits). Default: {@link DispatchDeferral#NONE}.
	 */
	public void setDispatchDeferral(DispatchDeferral deferral) {
		this.deferral = Objects.requireNonNull(deferral, "deferral");
	}

	/** Observes each dispatch with {@code observer} (tracing). Default: {@link TaskObserver#NONE}. */
	public void setTaskObserver(TaskObserver observer) {
		this.observer = Objects.requireNonNull(observer, "observer");
	}

	/**
	 * Applies {@code interceptors}, in this order, to every dispatch from now on. Default: none.
	 * @see DispatchInterceptor
	 */
	public void setInterceptors(List<? extends DispatchInterceptor> interceptors) {
		this.interceptors = List.copyOf(interceptors);
	}

	/** Refuses further dispatches; called when the application shuts down, before the driver closes. */
	public void close() {
		this.closed = true;
		if (this.executor instanceof ExecutorService executorService) {
			executorService.shutdown();
		}
	}

	/** Validates and encodes a dispatch on the caller's thread, so mistakes fail at the call. */
	private Prepared prepare(PendingDispatch dispatch, Object[] args) {
		ensureOpen(dispatch.taskName);
		Object[] values = (args != null) ? args : new Object[0];
		if (dispatch.task != null) {
			if (dispatch.fromMethodReference) {
				values = withoutContext(dispatch.task, values);
			}
			ArgumentCheck.check(dispatch.task, values);
		}
		String queue = QueueNames.validate((dispatch.queue != null) ? dispatch.queue
				: (dispatch.task != null && dispatch.task.options().queue() != null) ? dispatch.task.options().queue()
						: this.defaultQueue);
		Instant now = Instant.now();
		String id = TaskIds.next();
		TaskObserver.DispatchObservation observation = this.observer.dispatchStarted(id, dispatch.taskName, queue);
		try {
			Map<String, String> headers = observation.headers();
			List<DispatchInterceptor> interceptors = this.interceptors;
			if (!interceptors.isEmpty()) {
				headers = InterceptedDispatch.apply(interceptors, id, dispatch.taskName, queue, values, headers);
			}
			TaskEnvelope envelope = new TaskEnvelope(dispatch.taskName,
					this.codec.encodeArguments(dispatch.taskName, values), now, dispatch.maxAttempts, dispatch.timeout,
					dispatch.retryDelay, dispatch.visibilityTimeout);
			if (!headers.isEmpty()) {
				envelope = envelope.withHeaders(headers);
			}
			Duration delay = (dispatch.delay != null) ? dispatch.delay : Duration.ZERO;
			byte[] body = this.codec.encode(envelope);
			if (body.length > this.maxPayloadSize) {
				throw new IllegalArgumentException("Task '" + dispatch.taskName + "' encodes to " + body.length
						+ " bytes, more than asynctasq.dispatch.max-payload-size (" + this.maxPayloadSize
						+ " bytes): pass a reference to large data (an id, a URL) instead of the data, or raise the "
						+ "limit");
			}
			TaskMessage message = new TaskMessage(id, queue, body, now);
			return new Prepared(dispatch.taskName, message, delay, observation);
		}
		catch (RuntimeException ex) {
			observation.stop(TaskObservationOutcomes.FAILED, ex);
			throw ex;
		}
	}

	private String send(Prepared prepared) {
		try {
			ensureOpen(prepared.taskName);
			Runnable enqueue = prepared.observation.wrap(() -> this.driver.enqueue(prepared.message, prepared.delay));
			if (runsOnCallerThread()) {
				enqueue.run();
			}
			else {
				this.driverCalls.run(describe(prepared), enqueue);
			}
		}
		catch (RuntimeException ex) {
			prepared.observation.stop(TaskObservationOutcomes.FAILED, ex);
			throw ex;
		}
		announce(prepared);
		return prepared.message.id();
	}

	/**
	 * Sends a dispatch without blocking; the future fails within the dispatch timeout. Cancelling the future
	 * before the driver call started skips the call; a call already made is reported (event, observation) as
	 * usual, only its id reaches nobody.
	 */
	private CompletableFuture<String> sendAsync(Prepared prepared) {
		return sendAsync(List.of(prepared), describe(prepared), prepared.message.id());
	}

	/** Sends dispatches of one task with the same options in one driver call, without blocking. */
	private CompletableFuture<List<String>> sendAllAsync(List<Prepared> prepared) {
		Prepared first = prepared.get(0);
		return sendAsync(prepared, "enqueue " + prepared.size() + " tasks '" + first.taskName + "' on queue '"
				+ first.message.queue() + "'", prepared.stream().map((each) -> each.message.id()).toList());
	}

	private <T> CompletableFuture<T> sendAsync(List<Prepared> prepared, String what, T value) {
		Prepared first = prepared.get(0);
		CompletableFuture<T> result = new CompletableFuture<>();
		try {
			ensureOpen(first.taskName);
			// one driver call for all: it starts in the context of the first dispatch, and no thread waits for
			// the backend's answer where the driver's client is asynchronous
			List<TaskMessage> messages = prepared.stream().map(Prepared::message).toList();
			CompletableFuture<Void> sent = this.driverCalls.submitAsync(what, () -> {
				if (result.isCancelled()) {
					throw new CancellationException("Dispatch cancelled before it was sent");
				}
				return first.observation.wrapCall(() -> this.driver.enqueueAllAsync(messages, first.delay)).get();
			});
			sent.whenComplete((ignored, error) -> {
				if (error == null) {
					prepared.forEach(this::announce);
					result.complete(value);
				}
				else if (error instanceof CancellationException && result.isCancelled()) {
					prepared.forEach(PendingDispatch::logCancelled);
				}
				else {
					prepared.forEach((each) -> each.observation.stop(TaskObservationOutcomes.FAILED, error));
					result.completeExceptionally(error);
				}
			});
			return result;
		}
		catch (RuntimeException ex) {
			prepared.forEach((each) -> each.observation.stop(TaskObservationOutcomes.FAILED, ex));
			return CompletableFuture.failedFuture(ex);
		}
	}

	/** Sends dispatches of one task with the same options (queue, delay) in one driver call. */
	private void sendAll(List<Prepared> prepared) {
		Prepared first = prepared.get(0);
		try {
			ensureOpen(first.taskName);
			// one driver call for all: it runs in the context of the first dispatch
			Runnable enqueueAll = first.observation.wrap(() -> this.driver
				.enqueueAll(prepared.stream().map(Prepared::message).toList(), first.delay));
			if (runsOnCallerThread()) {
				enqueueAll.run();
			}
			else {
				this.driverCalls.run("enqueue " + prepared.size() + " tasks '" + first.taskName + "' on queue '"
						+ first.message.queue() + "'", enqueueAll);
			}
		}
		catch (RuntimeException ex) {
			prepared.forEach((each) -> each.observation.stop(TaskObservationOutcomes.FAILED, ex));
			throw ex;
		}
		prepared.forEach(this::announce);
	}

	/**
	 * Whether an enqueue now runs on the caller's thread: it takes part in the caller's transaction, or the
	 * driver never waits on a remote backend, so there is nothing to bound.
	 */
	private boolean runsOnCallerThread() {
		return !this.driver.waitsOnRemoteBackend()
				|| this.driver.joinsCurrentTransaction();
	}

	private static String describe(Prepared prepared) {
		return "enqueue task " + prepared.message.id() + " '" + prepared.taskName + "' on queue '"
				+ prepared.message.queue() + "'";
	}

	/** Logs and publishes that the driver accepted a task. */
	private void announce(Prepared prepared) {
		TaskMessage message = prepared.message;
		logger.debug("Task {} '{}' enqueued on queue '{}' (delay {})", message.id(), prepared.taskName,
				message.queue(), prepared.delay);
		prepared.observation.stop(TaskObservationOutcomes.ENQUEUED, null);
		Instant enqueuedAt = Instant.now();
		this.deferral.runAfterCommit(() -> AsyncTasqEventListener.deliver(this.events,
				new TaskEvent.Enqueued(message.id(), prepared.taskName, message.queue(), prepared.delay, enqueuedAt)));
	}

	private void ensureOpen(String taskName) {
		if (this.closed) {
			throw new IllegalStateException("AsyncTasQ is shut down: task '" + taskName
					+ "' was not dispatched. Dispatch before the application context closes.");
		}
	}

	private record Prepared(String taskName, TaskMessage message, Duration delay,
			TaskObserver.DispatchObservation observation) {
	}

	/** A method reference's arity counts a {@code TaskContext} parameter; its value is not dispatched. */
	private static Object[] withoutContext(TaskDefinition task, Object[] args) {
		Class<?>[] types = task.method().getParameterTypes();
		if (args.length != types.length) {
			return args;
		}
		List<Object> values = new ArrayList<>(args.length);
		for (int i = 0; i < types.length; i++) {
			if (types[i] != TaskContext.class) {
				values.add(args[i]);
			}
		}
		return values.toArray();
	}

	private final class PendingDispatch implements TaskDispatch {

		private final String taskName;

		private final @Nullable TaskDefinition task;

		private final boolean fromMethodReference;

		private @Nullable String queue;

		private @Nullable Duration delay;

		private @Nullable Integer maxAttempts;

		private @Nullable Duration timeout;

		private @Nullable Duration retryDelay;

		private @Nullable Duration visibilityTimeout;

		PendingDispatch(String taskName, @Nullable TaskDefinition task, boolean fromMethodReference) {
			this.taskName = taskName;
			this.task = task;
			this.fromMethodReference = fromMethodReference;
		}

		@Override
		public TaskDispatch onQueue(String queue) {
			this.queue = QueueNames.validate(queue);
			return this;
		}

		@Override
		public TaskDispatch delay(Duration delay) {
			this.delay = TaskOptions.checkDuration("delay", delay, false);
			return this;
		}

		@Override
		public TaskDispatch maxAttempts(int maxAttempts) {
			this.maxAttempts = TaskOptions.checkMaxAttempts(maxAttempts);
			return this;
		}

		@Override
		public TaskDispatch timeout(Duration timeout) {
			this.timeout = TaskOptions.checkDuration("timeout", timeout, false);
			return this;
		}

		@Override
		public TaskDispatch retryDelay(Duration retryDelay) {
			this.retryDelay = TaskOptions.checkDuration("retryDelay", retryDelay, false);
			return this;
		}

		@Override
		public TaskDispatch visibilityTimeout(Duration visibilityTimeout) {
			this.visibilityTimeout = TaskOptions.checkDuration("visibilityTimeout", visibilityTimeout, true);
			return this;
		}

		@Override
		public String dispatch(Object... args) {
			requireBlockingAllowed();
			Prepared prepared = prepare(this, args);
			if (DefaultTaskDispatcher.this.deferral.defer(DefaultTaskDispatcher.this.driver, () -> send(prepared),
					() -> logDropped(prepared), true)) {
				return prepared.message.id();
			}
			return send(prepared);
		}

		@Override
		public List<String> dispatchAll(List<Object[]> argumentLists) {
			requireBlockingAllowed();
			List<Prepared> prepared = prepareAll(argumentLists);
			List<String> ids = prepared.stream().map((each) -> each.message.id()).toList();
			if (prepared.isEmpty()) {
				return ids;
			}
			Runnable sendAll = () -> sendAll(prepared);
			if (!DefaultTaskDispatcher.this.deferral.defer(DefaultTaskDispatcher.this.driver, sendAll,
					() -> prepared.forEach(PendingDispatch::logDropped), true)) {
				sendAll.run();
			}
			return ids;
		}

		/** Prepares every dispatch of a batch; when one is refused, the batch's started observations stop. */
		private List<Prepared> prepareAll(List<Object[]> argumentLists) {
			List<Prepared> prepared = new ArrayList<>(argumentLists.size());
			try {
				for (Object[] args : argumentLists) {
					prepared.add(prepare(this, args));
				}
			}
			catch (RuntimeException ex) {
				prepared.forEach((each) -> each.observation.stop(TaskObservationOutcomes.FAILED, ex));
				throw ex;
			}
			return prepared;
		}

		private void requireBlockingAllowed() {
			Thread caller = Thread.currentThread();
			if (NonBlockingThreads.isNonBlocking(caller)) {
				throw new IllegalStateException("TaskDispatcher.dispatch blocks until the driver accepted task '"
						+ this.taskName + "', and was called on the non-blocking thread '" + caller.getName()
						+ "'. On an event loop use ReactiveTaskDispatcher, whose Mono never blocks the subscribing "
						+ "thread, or dispatchAsync, which returns a CompletableFuture.");
			}
		}

		@Override
		public CompletableFuture<String> dispatchAsync(Object... args) {
			Prepared prepared = prepare(this, args);
			CompletableFuture<String> deferred = new CompletableFuture<>();
			if (DefaultTaskDispatcher.this.deferral.defer(DefaultTaskDispatcher.this.driver,
					() -> completeWith(deferred, List.of(prepared), () -> sendAsync(prepared)),
					() -> {
						logDropped(prepared);
						deferred.cancel(false);
					}, false)) {
				return deferred;
			}
			return sendAsync(prepared);
		}

		@Override
		public CompletableFuture<List<String>> dispatchAllAsync(List<Object[]> argumentLists) {
			List<Prepared> prepared = prepareAll(argumentLists);
			if (prepared.isEmpty()) {
				return CompletableFuture.completedFuture(List.of());
			}
			CompletableFuture<List<String>> deferred = new CompletableFuture<>();
			if (DefaultTaskDispatcher.this.deferral.defer(DefaultTaskDispatcher.this.driver,
					() -> completeWith(deferred, prepared, () -> sendAllAsync(prepared)), () -> {
						prepared.forEach(PendingDispatch::logDropped);
						deferred.cancel(false);
					}, false)) {
				return deferred;
			}
			return sendAllAsync(prepared);
		}

		/** Sends a deferred dispatch once its transaction committed, unless its future was cancelled meanwhile. */
		private static <T> void completeWith(CompletableFuture<T> deferred, List<Prepared> prepared,
				Supplier<CompletableFuture<T>> send) {
			if (deferred.isCancelled()) {
				prepared.forEach(PendingDispatch::logCancelled);
				return;
			}
			CompletableFuture<T> sent = send.get();
			deferred.whenComplete((ignored, error) -> {
				if (deferred.isCancelled()) {
					sent.cancel(false);
				}
			});
			sent.whenComplete((value, error) -> {
				if (error != null) {
					deferred.completeExceptionally(error);
				}
				else {
					deferred.complete(value);
				}
			});
		}

		private static void logCancelled(Prepared prepared) {
			prepared.observation.stop(TaskObservationOutcomes.CANCELLED, null);
			logger.debug("Task {} '{}' not dispatched: its dispatch was cancelled before it was sent",
					prepared.message.id(), prepared.taskName);
		}

		private static void logDropped(Prepared prepared) {
			prepared.observation.stop(TaskObservationOutcomes.DROPPED, null);
			logger.debug("Task {} '{}' not dispatched: its transaction rolled back", prepared.message.id(),
					prepared.taskName);
		}

	}

}
