package io.asynctasq.worker;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.asynctasq.codec.PayloadCodec;
import io.asynctasq.driver.DriverFacade;
import io.asynctasq.driver.QueueDriver;
import io.asynctasq.driver.Reservation;
import io.asynctasq.events.AsyncTasqEvent;
import io.asynctasq.events.AsyncTasqEventListener;
import io.asynctasq.events.WorkerEvent;
import io.asynctasq.observation.TaskObserver;
import io.asynctasq.task.TaskDefinition;
import io.asynctasq.task.TaskRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Reserves tasks from its queues (strict priority) and runs them, at most {@code concurrency} at once.
 * <p>
 * Stopping (context close, SIGTERM) is asynchronous so the context's phase timeout applies: fetching
 * stops, reserved tasks that have not started go back to their queue at once, running tasks get the
 * shutdown timeout to finish, and those still running are interrupted and released without counting
 * the attempt. The executors are closed later by {@link #close()}, after the web server drained.
 */
public class Worker implements SmartLifecycle, AutoCloseable {

	/** Stops before the web server's graceful shutdown, so in-flight requests can still dispatch. */
	public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

	/** How long a recorded task result is kept by default ({@link #recordResults}), as River and Celery do. */
	public static final Duration DEFAULT_RESULT_TTL = Duration.ofHours(24);

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private static final Duration MAX_ERROR_BACKOFF = Duration.ofSeconds(5);

	private final QueueDriver driver;

	private final TaskRegistry registry;

	private final WorkerSettings settings;

	private final AsyncTasqEventListener events;

	private final String workerId;

	/** Reservation capacity: tasks running plus tasks prefetched. */
	private final ReservationPermits permits;

	/** Prefetched tasks waiting for a run slot, and the free run slots; both guarded by the deque. */
	private final Deque<TaskExecution> prefetched = new ArrayDeque<>();

	private int freeRunSlots;

	private final Set<TaskExecution> active = ConcurrentHashMap.newKeySet();

	private final Object drained = new Object();

	private final AtomicLong processed = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final Executor executor;

	private final ScheduledThreadPoolExecutor scheduler;

	private int phase = DEFAULT_PHASE;

	private boolean autoStartup = true;

	private volatile boolean running;

	private volatile boolean stopping;

	/** Whether a thread in {@link #runReadyTasks} may be waiting for a task to end. */
	private volatile boolean runningByCaller;

	private @Nullable Thread fetcher;

	private @Nullable ScheduledFuture<?> heartbeat;

	/** How long a dead letter of this worker's queues is kept; {@code null}: for good. */
	private volatile @Nullable Duration deadLetterRetention;

	/** Expires the dead letters of this worker's queues while it runs, when there is a retention; replaced on each start. */
	private volatile @Nullable DeadLetterPruner deadLetterPruner;

	/** Records this worker's heartbeat in the backend while it runs; replaced on each start. */
	private volatile @Nullable HeartbeatRecorder heartbeats;

	private final LeaseRenewer leaseRenewer;

	private final NamedExecutors namedExecutors = new NamedExecutors();

	/** The handoff slot of a thread running a chain of tasks ({@link #runChain}); unset elsewhere. */
	private final ThreadLocal<TaskExecution[]> handoff = new ThreadLocal<>();

	private @Nullable Instant startedAt;

	private final TaskPreparer preparer;

	private final OutcomeRecorder recorder;

	private volatile TaskObserver taskObserver = TaskObserver.NONE;

	private volatile List<TaskExecutionInterceptor> executionInterceptors = List.of();

	private final PayloadCodec codec;

	/** The queues served since the last start: the configured ones, or the default and every registered task's. */
	private volatile List<String> queues = List.of();

	private volatile @Nullable Instant lastFetchAt;

	private volatile int fetchFailures;

	private volatile @Nullable Throwable lastFetchFailure;

	/** {@link System#nanoTime()} when the reserve call under way started; 0 when none is. */
	private volatile long reserveStartedAt;

	public Worker(QueueDriver driver, TaskRegistry registry, PayloadCodec codec, WorkerSettings settings,
			AsyncTasqEventListener events) {
		this(driver, registry, codec, settings, events,
				TaskExecutors.create(settings.executorMode(), settings.concurrency(), "asynctasq-task-"));
	}

	/**
	 * A worker running task code on {@code taskExecutor}, which it owns and closes on {@link #close()}: an
	 * {@code ExecutorService} is shut down and awaited, any other {@code AutoCloseable} closed. The executor must
	 * run every task it is given without queueing it behind more than {@code settings.concurrency()} others;
	 * it matches {@code settings.executorMode()}.
	 */
	public Worker(QueueDriver driver, TaskRegistry registry, PayloadCodec codec, WorkerSettings settings,
			AsyncTasqEventListener events, Executor taskExecutor) {
		this.driver = DriverFacade.of(driver);
		this.codec = codec;
		this.registry = registry;
		this.settings = settings;
		this.events = events;
		this.workerId = ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID().toString().substring(0, 8);
		this.permits = new ReservationPermits(settings.concurrency() + settings.prefetch());
		this.freeRunSlots = settings.concurrency();
		this.executor = taskExecutor;
		this.scheduler = new ScheduledThreadPoolExecutor(1, new CustomizableThreadFactory("asynctasq-timer-"));
		this.scheduler.setRemoveOnCancelPolicy(true);
		this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		this.leaseRenewer = new LeaseRenewer(this.driver, this.active, settings.taskDefaults().visibilityTimeout());
		UnknownTaskGrace unknownTaskGrace = new UnknownTaskGrace(settings.unknownTaskGrace());
		this.preparer = new TaskPreparer(codec, registry, settings.taskDefaults(), unknownTaskGrace, this::isStopping);
		this.recorder = new OutcomeRecorder(this, this.driver, unknownTaskGrace);
	}

	/**
	 * Records what became of each attempt with the driver from now on, kept for {@code ttl}: succeeded with its
	 * return value as JSON (encoded by this worker's codec), retrying or dead-lettered with the error
	 * ({@link QueueDriver#recordResult}). Not called: nothing is recorded.
	 * @throws IllegalStateException when the driver does not store results
	 */
	public void recordResults(Duration ttl) {
		recordResults(this.driver, ttl);
	}

	/**
	 * {@link #recordResults(Duration)} in {@code store} rather than the queue driver: a driver used only for
	 * results, for a queue driver that stores none.
	 */
	public void recordResults(QueueDriver store, Duration ttl) {
		this.recorder.recordResults(new TaskResults(DriverFacade.of(store), this.codec, ttl));
	}

	/**
	 * Deletes the dead letters of this worker's queues once they are older than {@code retention}, while it runs
	 * (from its next start): on its timer, every minute or every retention when that is shorter, a bounded number
	 * per queue and call ({@link QueueDriver#expireDeadLetters}). Not called: dead letters are kept for good.
	 * @throws IllegalArgumentException when {@code retention} is not positive
	 */
	public void expireDeadLettersAfter(Duration retention) {
		if (retention == null || retention.isNegative() || retention.isZero()) {
			throw new IllegalArgumentException("retention must be positive, was " + retention);
		}
		this.deadLetterRetention = retention;
	}

	/** How long a dead letter of this worker's queues is kept, or {@code null}: for good. */
	public @Nullable Duration deadLetterRetention() {
		return this.deadLetterRetention;
	}

	public void setPhase(int phase) {
		this.phase = phase;
	}

	public void setAutoStartup(boolean autoStartup) {
		this.autoStartup = autoStartup;
	}

	/** Observes each attempt with {@code observer} (tracing). Default: {@link TaskObserver#NONE}. */
	public void setTaskObserver(TaskObserver observer) {
		this.taskObserver = Objects.requireNonNull(observer, "observer");
	}

	TaskObserver taskObserver() {
		return this.taskObserver;
	}

	/**
	 * Runs every attempt from now on through {@code interceptors}, the first one outermost. Default: none.
	 * @see TaskExecutionInterceptor
	 */
	public void setExecutionInterceptors(List<? extends TaskExecutionInterceptor> interceptors) {
		this.executionInterceptors = List.copyOf(interceptors);
	}

	List<TaskExecutionInterceptor> executionInterceptors() {
		return this.executionInterceptors;
	}

	public String workerId() {
		return this.workerId;
	}

	public WorkerSettings settings() {
		return this.settings;
	}

	/** Tasks currently reserved and not finished. */
	public int activeCount() {
		return this.active.size();
	}

	/** Attempts this worker finished (completed, retried or failed) since it was created. */
	public long processedCount() {
		return this.processed.get();
	}

	/** Attempts of those that failed (retried or dead-lettered) since it was created. */
	public long failedCount() {
		return this.failed.get();
	}

	/** The queues served, in strict priority order; resolved when the worker starts. */
	public List<String> queues() {
		return this.queues;
	}

	/** What this worker is doing now. */
	public WorkerStatus status() {
		WorkerStatus.State state = !this.running ? WorkerStatus.State.STOPPED
				: this.stopping ? WorkerStatus.State.DRAINING : WorkerStatus.State.RUNNING;
		long reserveStarted = this.reserveStartedAt;
		Thread fetching = this.fetcher;
		int busy;
		int waiting;
		synchronized (this.prefetched) {
			busy = this.settings.concurrency() - this.freeRunSlots;
			waiting = this.prefetched.size();
		}
		return new WorkerStatus(state, this.queues, this.settings.concurrency(), this.active.size(), busy, waiting,
				this.processed.get(), this.lastFetchAt, this.fetchFailures, this.lastFetchFailure,
				(reserveStarted != 0) ? Duration.ofNanos(System.nanoTime() - reserveStarted) : null,
				this.running && fetching != null && fetching.isAlive());
	}

	/**
	 * Where the executors that tasks name with {@link io.asynctasq.Task#executor()} come from: {@code lookup}
	 * returns the executor of a name, or {@code null} when there is none. Executors it returns are not closed by
	 * the worker; their owner keeps them running until the worker has closed. Without one under
	 * {@link io.asynctasq.Task#CPU_EXECUTOR}, the worker creates that pool itself (one platform thread per core)
	 * and closes it. Every registered task's executor is looked up on {@link #start()}.
	 */
	public void setTaskExecutors(Function<String, @Nullable Executor> lookup) {
		this.namedExecutors.setLookup(lookup);
	}

	/** The executor {@code task}'s attempts run on, {@code null} for this worker's own. */
	@Nullable Executor executorFor(TaskDefinition task) {
		return this.namedExecutors.executorFor(task);
	}

	/** Whether this worker runs task code on virtual threads. */
	public boolean usesVirtualThreads() {
		return TaskExecutors.usesVirtualThreads(this.settings.executorMode());
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.queues = resolveQueues();
		for (TaskDefinition task : this.registry.all()) {
			this.namedExecutors.executorFor(task); // an unknown name fails the start, not the task's first attempt
		}
		this.running = true;
		this.stopping = false;
		this.startedAt = Instant.now();
		this.fetchFailures = 0;
		this.lastFetchFailure = null;
		this.fetcher = new Thread(this::fetchLoop, "asynctasq-fetcher-" + this.workerId);
		this.fetcher.setDaemon(true);
		this.fetcher.start();
		long beat = Math.max(1, this.settings.heartbeatInterval().toMillis());
		this.heartbeat = this.scheduler.scheduleAtFixedRate(this::beat, beat, beat, TimeUnit.MILLISECONDS);
		HeartbeatRecorder recorder = new HeartbeatRecorder(this, this.driver, this.settings.heartbeatInterval(),
				this.startedAt);
		this.heartbeats = recorder;
		this.scheduler.execute(recorder::beat);
		this.leaseRenewer.start(this.scheduler);
		Duration retention = this.deadLetterRetention;
		if (retention != null) {
			DeadLetterPruner pruner = new DeadLetterPruner(this.workerId, this.driver, retention);
			this.deadLetterPruner = pruner;
			pruner.start(this.scheduler, this.queues);
		}
		logger.info("AsyncTasQ worker {} online: queues {} (strict priority), concurrency {}, {} threads",
				this.workerId, this.queues, this.settings.concurrency(), usesVirtualThreads() ? "virtual" : "platform");
		publish(new WorkerEvent.Online(this.workerId, this.queues, this.settings.concurrency(), Instant.now()));
	}

	/**
	 * The configured queues; when none are configured, the default queue and the queue of every task
	 * registered here, so a task declared with its own queue is served without further configuration. Warns
	 * about registered tasks whose queue the configured list leaves out.
	 */
	private List<String> resolveQueues() {
		String defaultQueue = this.settings.taskDefaults().queue();
		List<String> configured = this.settings.queues();
		LinkedHashSet<String> served = new LinkedHashSet<>(configured.isEmpty() ? List.of(defaultQueue) : configured);
		for (TaskDefinition task : this.registry.all()) {
			String queue = (task.options().queue() != null) ? task.options().queue() : defaultQueue;
			if (configured.isEmpty()) {
				served.add(queue);
			}
			else if (!served.contains(queue)) {
				logger.warn("AsyncTasQ worker {}: task '{}' is declared on queue '{}', which this worker does not serve "
						+ "(asynctasq.worker.queues={}); its tasks wait until a worker serving '{}' runs them",
						this.workerId, task.name(), queue, configured, queue);
			}
		}
		return List.copyOf(served);
	}

	@Override
	public void stop() {
		stopAndDrain();
	}

	@Override
	public void stop(Runnable callback) {
		if (!this.running) {
			callback.run();
			return;
		}
		Thread stopper = new Thread(() -> {
			try {
				stopAndDrain();
			}
			finally {
				callback.run();
			}
		}, "asynctasq-shutdown-" + this.workerId);
		stopper.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

	@Override
	public boolean isAutoStartup() {
		return this.autoStartup;
	}

	/** Whether the worker is stopping: tasks see it through {@code TaskContext.isShuttingDown()}. */
	public boolean isStopping() {
		return this.stopping;
	}

	/**
	 * Runs the tasks ready now on the calling thread, one at a time, in a worker that is not started (a test's
	 * manual worker): each is reserved from this worker's queues (strict priority), run as one attempt through
	 * its interceptors, and its outcome recorded (acknowledged, retried or dead-lettered, with its events) before
	 * the next is reserved, so a task dispatched by one that ran runs too. A task returning a
	 * {@code CompletionStage} is awaited. Delayed tasks and retries run once they are due by the driver's clock.
	 * @param max the most tasks to run
	 * @return how many tasks were reserved and settled (run, or settled unrun)
	 * @throws IllegalStateException when the worker is running: its own threads run its tasks
	 */
	public synchronized int runReadyTasks(int max) {
		if (this.running) {
			throw new IllegalStateException("AsyncTasQ worker " + this.workerId + " is running and runs its tasks "
					+ "itself; run tasks on the caller's thread only with a worker that is not started");
		}
		if (this.queues.isEmpty()) {
			this.queues = resolveQueues();
		}
		int ran = 0;
		this.runningByCaller = true;
		try {
			while (ran < max) {
				int permits = this.permits.takeAtLeast(1);
				this.permits.release(permits - 1);
				List<Reservation> reserved = this.driver.reserve(this.queues, 1,
						this.settings.taskDefaults().visibilityTimeout(), Duration.ZERO);
				if (reserved.isEmpty()) {
					this.permits.release(1);
					break;
				}
				TaskExecution execution = new TaskExecution(this, reserved.get(0));
				this.active.add(execution);
				execution.run();
				synchronized (this.drained) {
					while (this.active.contains(execution)) {
						this.drained.wait();
					}
				}
				ran++;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.runningByCaller = false;
		}
		return ran;
	}

	private synchronized void stopAndDrain() {
		if (!this.running) {
			return;
		}
		this.stopping = true;
		Thread fetching = this.fetcher;
		logger.info("AsyncTasQ worker {} stopping: {} task(s) in flight, waiting up to {}", this.workerId,
				this.active.size(), this.settings.shutdownTimeout());
		fetching.interrupt();
		try {
			fetching.join(this.settings.pollInterval().toMillis() + 5_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		for (TaskExecution execution : List.copyOf(this.active)) {
			if (execution.isNew()) {
				execution.releaseForShutdown();
			}
		}
		awaitDrained(this.settings.shutdownTimeout());
		List<TaskExecution> unfinished = new ArrayList<>(this.active);
		int released = 0;
		for (TaskExecution execution : unfinished) {
			if (execution.releaseForShutdown()) {
				released++;
			}
		}
		if (released > 0) {
			logger.warn("AsyncTasQ worker {}: {} task(s) did not finish within {}; interrupted and released to "
					+ "their queue", this.workerId, released, this.settings.shutdownTimeout());
		}
		if (this.heartbeat != null) {
			this.heartbeat.cancel(false);
		}
		HeartbeatRecorder recorder = this.heartbeats;
		if (recorder != null) {
			recorder.remove();
		}
		this.leaseRenewer.stop();
		DeadLetterPruner pruner = this.deadLetterPruner;
		if (pruner != null) {
			pruner.stop();
			this.deadLetterPruner = null;
		}
		this.running = false;
		logger.info("AsyncTasQ worker {} offline after {} processed task attempt(s)", this.workerId,
				this.processed.get());
		publish(new WorkerEvent.Offline(this.workerId, this.processed.get(), Instant.now()));
	}

	private void awaitDrained(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.drained) {
			while (!this.active.isEmpty()) {
				long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
				if (remaining <= 0) {
					return;
				}
				try {
					this.drained.wait(remaining);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	/** Closes the executors; called after the web server drained. Running task threads are interrupted. */
	@Override
	public void close() {
		if (this.running) {
			stopAndDrain();
		}
		this.scheduler.shutdownNow();
		this.namedExecutors.close(this.workerId);
		if (this.executor instanceof ExecutorService executorService) {
			executorService.shutdownNow();
			try {
				if (!executorService.awaitTermination(5, TimeUnit.SECONDS)) {
					logger.warn("AsyncTasQ worker {}: task threads still running after close", this.workerId);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		else if (this.executor instanceof AutoCloseable closeable) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				logger.warn("AsyncTasQ worker {}: closing the task executor failed", this.workerId, ex);
			}
		}
	}

	private void fetchLoop() {
		try {
			fetchUntilStopped();
		}
		catch (RuntimeException | Error ex) {
			logger.error("AsyncTasQ worker {}: the fetch loop died; no further tasks are reserved (health reports DOWN)",
					this.workerId, ex);
			throw ex;
		}
	}

	private void fetchUntilStopped() {
		Duration backoff = Duration.ZERO;
		while (!this.stopping) {
			int wanted;
			try {
				// with prefetched tasks to run, wait until half the prefetch is free: one round trip then
				// reserves many tasks, instead of one per finished task
				wanted = this.permits.takeAtLeast(Math.max(1, this.settings.prefetch() / 2));
			}
			catch (InterruptedException ex) {
				break;
			}
			List<Reservation> reserved;
			this.reserveStartedAt = System.nanoTime() | 1;
			try {
				reserved = this.driver.reserve(this.queues, wanted, this.settings.taskDefaults().visibilityTimeout(),
						this.settings.pollInterval());
				this.reserveStartedAt = 0;
				backoff = Duration.ZERO;
				this.lastFetchAt = Instant.now();
				this.fetchFailures = 0;
				this.lastFetchFailure = null;
			}
			catch (InterruptedException ex) {
				this.reserveStartedAt = 0;
				this.permits.release(wanted);
				break;
			}
			catch (RuntimeException ex) {
				this.reserveStartedAt = 0;
				this.permits.release(wanted);
				if (this.stopping) {
					break;
				}
				this.lastFetchFailure = ex;
				this.fetchFailures++;
				backoff = nextBackoff(backoff);
				logger.warn("AsyncTasQ worker {}: reserving from {} failed ({}); retrying in {} ms", this.workerId,
						this.driver.name(), ex.toString(), backoff.toMillis());
				if (!pause(backoff)) {
					break;
				}
				continue;
			}
			this.permits.release(wanted - reserved.size());
			for (Reservation reservation : reserved) {
				submit(reservation);
			}
		}
	}

	private void submit(Reservation reservation) {
		TaskExecution execution = new TaskExecution(this, reservation);
		this.active.add(execution);
		if (this.stopping) {
			execution.releaseForShutdown();
			return;
		}
		synchronized (this.prefetched) {
			if (this.freeRunSlots == 0) {
				this.prefetched.addLast(execution);
				return;
			}
			this.freeRunSlots--;
		}
		execute(execution);
	}

	/** Runs an execution that holds a run slot. */
	private void execute(TaskExecution execution) {
		execution.grantRunSlot();
		try {
			this.executor.execute(() -> runChain(execution));
		}
		catch (RejectedExecutionException ex) {
			execution.releaseForShutdown();
			execution.freeRunSlot();
		}
	}

	/**
	 * Runs {@code first}, then each prefetched task handed to this thread when the previous one freed its
	 * slot, so a busy worker moves from task to task without waking another thread per task.
	 */
	private void runChain(TaskExecution first) {
		TaskExecution[] next = new TaskExecution[1];
		this.handoff.set(next);
		try {
			TaskExecution current = first;
			while (current != null) {
				next[0] = null;
				current.run();
				current = next[0];
			}
		}
		finally {
			this.handoff.remove();
		}
	}

	/** A run slot came free: the next prefetched task takes it, on this thread when it runs a chain. */
	void runSlotFreed() {
		TaskExecution next;
		synchronized (this.prefetched) {
			next = this.prefetched.pollFirst();
			if (next == null) {
				this.freeRunSlots++;
				return;
			}
		}
		TaskExecution[] chain = this.handoff.get();
		if (chain != null && chain[0] == null) {
			next.grantRunSlot();
			chain[0] = next;
			return;
		}
		execute(next);
	}

	private static Duration nextBackoff(Duration previous) {
		Duration next = previous.isZero() ? Duration.ofMillis(100) : previous.multipliedBy(2);
		return (next.compareTo(MAX_ERROR_BACKOFF) > 0) ? MAX_ERROR_BACKOFF : next;
	}

	/** Waits out a back-off; {@code false} when interrupted (stopping). */
	private boolean pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
			return true;
		}
		catch (InterruptedException ex) {
			return false;
		}
	}

	private void beat() {
		publish(new WorkerEvent.Heartbeat(this.workerId, this.active.size(), this.processed.get(),
				Duration.between(this.startedAt, Instant.now()), Instant.now()));
		HeartbeatRecorder recorder = this.heartbeats;
		if (recorder != null) {
			recorder.beat();
		}
	}

	// Collaborators of TaskExecution

	QueueDriver driver() {
		return this.driver;
	}

	TaskPreparer preparer() {
		return this.preparer;
	}

	OutcomeRecorder recorder() {
		return this.recorder;
	}

	Executor executor() {
		return this.executor;
	}

	ScheduledExecutorService scheduler() {
		return this.scheduler;
	}

	void publish(AsyncTasqEvent event) {
		AsyncTasqEventListener.deliver(this.events, event);
	}

	/** A reservation's permit came back: the worker may reserve one more task. */
	void permitReturned() {
		this.permits.release(1);
	}

	void countProcessed() {
		this.processed.incrementAndGet();
	}

	void countFailed() {
		this.failed.incrementAndGet();
	}

	void executionEnded(TaskExecution execution) {
		this.active.remove(execution);
		execution.returnPermit();
		execution.freeRunSlot();
		if (this.stopping || this.runningByCaller) {
			synchronized (this.drained) {
				this.drained.notifyAll();
			}
		}
	}

}
