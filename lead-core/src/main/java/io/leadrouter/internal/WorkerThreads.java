package io.leadrouter.internal;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads one router's destination workers share, so that a descriptor with thousands of destinations costs a
 * bounded number of threads and an idle destination costs none (#18: 10,000 sinks used to start 20,000 threads).
 * <ul>
 *   <li>{@link #turns()}: runs workers' turns (look at the hand-off queue and the journal, hand batches to the
 *   delivery threads). A turn never blocks on a destination: it only queries the journal. A few threads serve any
 *   number of destinations.</li>
 *   <li>{@link #deliveries()}: runs delivery calls. Its size grows with the destinations' concurrency limits, up to
 *   {@link #MAX_DELIVERY_THREADS}; each destination still has at most its own limit in flight, so a slow destination
 *   holds at most that many of them.</li>
 *   <li>{@link #events()}: publishes outcomes to listeners (each worker keeps its own order on top of it).</li>
 *   <li>{@link #timer()}: wakes a worker when its next look at the journal is due.</li>
 * </ul>
 * Every thread is created on demand and ends after a minute without work. Not API.
 */
public final class WorkerThreads implements AutoCloseable {
  /**
   * At most this many delivery calls run at once across all destinations of one router. Up to this total of the
   * destinations' concurrency limits, every destination can use its whole limit regardless of the others.
   */
  public static final int MAX_DELIVERY_THREADS = 256;
  private static final long KEEP_ALIVE_SECONDS = 60;

  private final ThreadPoolExecutor turns;
  private final ThreadPoolExecutor deliveries;
  private final ThreadPoolExecutor events;
  private final ScheduledThreadPoolExecutor timer;
  private int reserved;
  /** The pools a thread belongs to, set when it starts: see {@link #isOwnThread()}. */
  private static final ThreadLocal<WorkerThreads> OWNER = new ThreadLocal<>();

  /** Outcomes waiting for the listeners by default: see {@link #WorkerThreads(int)}. */
  public static final int DEFAULT_LISTENER_BACKLOG = 10_000;
  private final int listenerBacklog;
  private final AtomicInteger untold = new AtomicInteger();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicBoolean behind = new AtomicBoolean();
  private static final Logger LOG = LoggerFactory.getLogger(WorkerThreads.class);

  /** Creates the pools with the default listener backlog; no thread starts until there is work. */
  public WorkerThreads() {
    this(DEFAULT_LISTENER_BACKLOG);
  }

  /**
   * Creates the pools; no thread starts until there is work.
   *
   * @param listenerBacklog how many outcomes may wait to be told to the listeners; beyond, outcomes are not told
   */
  public WorkerThreads(int listenerBacklog) {
    this.listenerBacklog = listenerBacklog;
    int cpus = Runtime.getRuntime().availableProcessors();
    this.turns = pool(Math.max(2, Math.min(8, cpus)), named("leadrouter-worker-"));
    this.deliveries = pool(1, named("leadrouter-delivery-"));
    this.events = pool(2, named("leadrouter-events-"));
    this.timer = new ScheduledThreadPoolExecutor(1, named("leadrouter-worker-timer-"));
    timer.setRemoveOnCancelPolicy(true);
    timer.setKeepAliveTime(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
  }

  private static ThreadPoolExecutor pool(int size, ThreadFactory threads) {
    ThreadPoolExecutor p = new ThreadPoolExecutor(size, size, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), threads);
    p.allowCoreThreadTimeOut(true);
    return p;
  }

  private ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(() -> {
        OWNER.set(this);
        r.run();
      }, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Whether the calling thread is one of these pools' (a listener told of a worker event, a sink delivering): the
   * router's close must not wait there for the very work the thread is doing.
   */
  public boolean isOwnThread() {
    return OWNER.get() == this;
  }

  /** Makes room for a destination's concurrency limit among the delivery threads (up to the cap). */
  synchronized void reserveDeliveries(int concurrency) {
    reserved = (int) Math.min(MAX_DELIVERY_THREADS, (long) reserved + concurrency);
    if (reserved > deliveries.getMaximumPoolSize()) {
      deliveries.setMaximumPoolSize(reserved);
      deliveries.setCorePoolSize(reserved);
    }
  }

  /** Runs workers' turns. */
  ExecutorService turns() {
    return turns;
  }

  /** Runs delivery calls. */
  ExecutorService deliveries() {
    return deliveries;
  }

  /** Publishes events. */
  ExecutorService events() {
    return events;
  }

  /** Wakes workers later. */
  ScheduledExecutorService timer() {
    return timer;
  }

  /**
   * Takes room for {@code events} outcomes to wait for the listeners; false when the listener backlog is full (a
   * listener blocks or is slow): the outcomes are then not told to listeners, which is logged once per stall.
   */
  boolean reserveListenerRoom(int events) {
    while (true) {
      int waiting = untold.get();
      if (waiting + (long) events > listenerBacklog) {
        skipped.addAndGet(events);
        if (behind.compareAndSet(false, true)) {
          LOG.warn("lead listeners are {} events behind (a listener blocks or is slow): further delivery events are"
              + " not told to listeners until they catch up; deliveries and receipts go on. Keep listeners fast and"
              + " non-blocking (hand slow work to a queue of your own)", waiting);
        }
        return false;
      }
      if (untold.compareAndSet(waiting, waiting + events)) {
        return true;
      }
    }
  }

  /** Gives back the room of {@code events} outcomes told to the listeners. */
  void listenersTold(int events) {
    if (untold.addAndGet(-events) == 0 && behind.compareAndSet(true, false)) {
      LOG.warn("lead listeners caught up: {} delivery events were not told to them while they were behind",
          skipped.getAndSet(0));
    }
  }

  /**
   * Runs {@code tell} (telling the listeners of an event not made by a worker: a fallback spill) on the events threads,
   * within the listener backlog as the workers' outcomes are; beyond it, or once the threads are stopped, it is not
   * told. Told on the chores' thread instead, a listener that blocked there stopped every chore: the fallback's worker
   * was never woken for the lead just spilled, no later lead spilled, and leases and receipts were no longer checked.
   */
  public void tellListeners(Runnable tell) {
    if (!reserveListenerRoom(1)) {
      return;
    }
    try {
      events.execute(() -> {
        try {
          tell.run();
        } finally {
          listenersTold(1);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      listenersTold(1); // closed: nothing more is told
    }
  }

  /** How many delivery calls may run at once (for tests and operators). */
  public int deliveryThreadLimit() {
    return deliveries.getMaximumPoolSize();
  }

  /**
   * Stops the pools once the workers have stopped: lets what runs finish until {@code deadlineNanos}
   * ({@link System#nanoTime()}), then interrupts it.
   */
  public void close(long deadlineNanos) {
    List<ExecutorService> all = List.of(turns, deliveries, events, timer);
    all.forEach(ExecutorService::shutdown);
    try {
      for (ExecutorService e : all) {
        e.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    all.forEach(ExecutorService::shutdownNow);
  }

  /** Stops the pools at once. */
  @Override
  public void close() {
    close(System.nanoTime());
  }
}
