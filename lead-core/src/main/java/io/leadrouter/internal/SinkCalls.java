package io.leadrouter.internal;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Scrubber;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One destination's delivery calls into its sink, guarded against whatever the plugin does: it may throw anything (a
 * {@link RuntimeException}, an {@link Error} such as {@link StackOverflowError} or a {@link NoClassDefFoundError} from
 * a missing dependency), return null, or return results that do not answer its leads one for one. Each of these is a
 * transient failure of the leads concerned, whose {@link Diagnosis} names the destination, the plugin's class and what
 * it did wrong; the leads are retried (and dead-lettered with that diagnosis past their give-up age), never lost, and
 * the worker's thread goes on. Results are matched to leads by lead id, not position. The call runs with the
 * plugin's class loader as the thread's context class loader. The static methods guard the plugin's other calls the
 * same way: {@link #capabilities}, {@link #verify} and {@link #closeAll}. Not API.
 */
public final class SinkCalls {
  // the worker's logger: operators (and the tests) set one level for everything about a destination's deliveries
  private static final Logger LOG = LoggerFactory.getLogger(DestinationWorker.class);
  /** Diagnosis code of a sink that threw something other than a {@link DeliveryException}. */
  static final String SINK_ERROR = "SINK_ERROR";
  /** Diagnosis code of a sink whose class or a class it needs could not be loaded or linked. */
  static final String SINK_LINKAGE_ERROR = "SINK_LINKAGE_ERROR";
  /** Diagnosis code of a sink whose results did not answer its leads one for one (null, missing, twice). */
  static final String SINK_BAD_RESULT = "SINK_BAD_RESULT";

  private final String destination;
  private final LeadSink sink;
  private final String plugin;

  SinkCalls(String destination, LeadSink sink) {
    this.destination = Objects.requireNonNull(destination, "destination");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.plugin = sink.getClass().getName();
  }

  /** Delivers the leads; one result per lead, in the leads' order, whatever the sink did. Never throws. */
  List<BatchItemResult> deliver(List<Lead> leads) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    ClassLoader own = sink.getClass().getClassLoader();
    if (own != null) {
      thread.setContextClassLoader(own); // a plugin (or a library it uses) may look its resources up there
    }
    try {
      if (leads.size() == 1) {
        Lead lead = leads.get(0);
        DeliveryResult result = sink.deliver(lead);
        return List.of(result != null ? BatchItemResult.success(lead.id(), result)
            : BatchItemResult.failure(lead.id(), badResult("returned null from deliver()")));
      }
      return match(leads, sink.deliverBatch(leads));
    } catch (DeliveryException e) {
      return leads.stream().map(l -> BatchItemResult.failure(l.id(), e)).toList();
    } catch (Throwable e) { // NOPMD: a plugin's Error must not end the delivery thread with its leads unsettled
      TransientDeliveryException t = threw(e);
      return leads.stream().map(l -> BatchItemResult.failure(l.id(), t)).toList();
    } finally {
      if (own != null) {
        thread.setContextClassLoader(previous);
      }
    }
  }

  /**
   * The sink's results matched to the leads by id: a lead with exactly one result takes it; a lead with none or
   * several (or a null list) fails transiently; results for leads not in the batch are ignored. Logged once per call.
   */
  private List<BatchItemResult> match(List<Lead> leads, List<BatchItemResult> results) {
    if (results == null) {
      TransientDeliveryException t = badResult("returned null from deliverBatch() for " + leads.size() + " leads");
      return leads.stream().map(l -> BatchItemResult.failure(l.id(), t)).toList();
    }
    Map<LeadId, Integer> index = new HashMap<>();
    for (int i = 0; i < leads.size(); i++) {
      index.put(leads.get(i).id(), i);
    }
    BatchItemResult[] byLead = new BatchItemResult[leads.size()];
    boolean[] twice = new boolean[leads.size()];
    int foreign = 0;
    int nulls = 0;
    for (BatchItemResult r : results) {
      Integer i = r == null ? null : index.get(r.leadId());
      if (r == null) {
        nulls++;
      } else if (i == null) {
        foreign++;
      } else if (byLead[i] != null) {
        twice[i] = true;
      } else {
        byLead[i] = r;
      }
    }
    int missing = 0;
    int ambiguous = 0;
    List<BatchItemResult> out = new ArrayList<>(leads.size());
    for (int i = 0; i < leads.size(); i++) {
      LeadId id = leads.get(i).id();
      if (twice[i]) {
        ambiguous++;
        out.add(BatchItemResult.failure(id, badResult("returned two or more results for lead " + id
            + " in one deliverBatch() call")));
      } else if (byLead[i] == null) {
        missing++;
        out.add(BatchItemResult.failure(id, badResult("returned no result for lead " + id
            + " from deliverBatch() (" + results.size() + " results for " + leads.size() + " leads)")));
      } else {
        out.add(byLead[i]);
      }
    }
    if (missing + ambiguous + foreign + nulls > 0) {
      LOG.warn("destination '{}': the sink {} returned {} results for {} leads from deliverBatch(): {} lead(s) without"
          + " a result, {} with several, {} result(s) for leads not in the call, {} null(s); those leads are retried."
          + " Report this to the plugin's authors: deliverBatch() must return exactly one result per lead",
          destination, plugin, results.size(), leads.size(), missing, ambiguous, foreign, nulls);
    }
    return out;
  }

  /** A result that does not answer the call: transient (the lead may or may not have arrived; upsert absorbs it). */
  private TransientDeliveryException badResult(String what) {
    return new TransientDeliveryException("destination '" + destination + "': the sink " + plugin + " " + what,
        null, new Diagnosis(SINK_BAD_RESULT, "destination '" + destination + "': the sink " + plugin + " " + what,
            "report this to the plugin's authors (" + plugin + "); the leads are retried, and dead-lettered with"
                + " this diagnosis past their give-up age"), null);
  }

  /** The sink threw something other than a {@link DeliveryException}: logged scrubbed, retried. */
  private TransientDeliveryException threw(Throwable e) {
    String thrown = Scrubber.standard().scrub(String.valueOf(e));
    // the exception's text may quote the destination's answer: logged scrubbed, the (scrubbed) stack trace at debug
    LOG.error("destination '{}': the sink {} threw {}; treating it as transient", destination, plugin, thrown);
    LOG.debug("destination '{}': stack trace of the sink's {}", destination, e.getClass().getName(),
        Scrubber.standard().scrub(e));
    boolean linkage = e instanceof LinkageError;
    String message = "destination '" + destination + "': the sink " + plugin + " threw " + thrown;
    String fix = linkage
        ? "a class the plugin needs is missing or of another version: put the plugin's dependencies (the jar holding"
            + " the class named) on the class path, in the versions the plugin was built with, and restart; the leads"
            + " are retried"
        : "report this to the plugin's authors (" + plugin + ") with the stack trace logged at DEBUG; the leads are"
            + " retried, and dead-lettered with this diagnosis past their give-up age";
    return new TransientDeliveryException(message, null,
        new Diagnosis(linkage ? SINK_LINKAGE_ERROR : SINK_ERROR, message, fix), e);
  }

  /** The sink's class, as errors name it. */
  String plugin() {
    return plugin;
  }

  /**
   * The sink's capabilities, asked once per worker.
   *
   * @throws ConfigurationException naming {@code sinks.<destination>} and the plugin's class when {@code capabilities()}
   *     throws (anything, including a record it built with a batch size or concurrency below 1) or returns null
   */
  public static SinkCapabilities capabilities(String destination, LeadSink sink) {
    String plugin = sink.getClass().getName();
    String fix = "report this to the plugin's authors (" + plugin + "): capabilities() must return its limits, each at"
        + " least 1, and never throw";
    SinkCapabilities caps;
    try {
      caps = sink.capabilities();
    } catch (Throwable e) { // NOPMD: a plugin's Error is a configuration problem of that destination, not the router's
      throw new ConfigurationException("sinks." + destination, "the sink " + plugin + " failed in capabilities(): "
          + Scrubber.standard().scrub(String.valueOf(e)), fix);
    }
    if (caps == null) {
      throw new ConfigurationException("sinks." + destination, "the sink " + plugin + " returned null from"
          + " capabilities()", fix);
    }
    return caps;
  }

  /**
   * The sink's publish check; a {@code verify()} that throws or returns null is reported as a failed step
   * ({@code SINK_ERROR}) naming the plugin, so one broken plugin does not hide the other destinations' reports.
   */
  public static VerificationReport verify(String destination, LeadSink sink) {
    String plugin = sink.getClass().getName();
    String fix = "report this to the plugin's authors (" + plugin + "): verify() must report each step, never throw";
    try {
      VerificationReport report = sink.verify();
      if (report != null) {
        return report;
      }
      return VerificationReport.builder(plugin).failed("verify", new Diagnosis(SINK_ERROR,
          "destination '" + destination + "': the sink " + plugin + " returned null from verify()", fix)).build();
    } catch (Throwable e) { // NOPMD: a plugin's Error fails its own report, not the whole check
      LOG.debug("destination '{}': stack trace of verify()'s {}", destination, e.getClass().getName(),
          Scrubber.standard().scrub(e));
      return VerificationReport.builder(plugin).failed("verify", new Diagnosis(SINK_ERROR,
          "destination '" + destination + "': the sink " + plugin + " threw " + String.valueOf(e) + " in verify()",
          fix)).build();
    }
  }

  /** The least time the sinks get to close, however little of the router's close timeout is left. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  /** Threads closing sinks at once (a descriptor may name thousands of destinations). */
  private static final int CLOSERS = 8;

  /**
   * Closes every sink, on a few daemon threads, waiting until {@code deadlineNanos} ({@link System#nanoTime}), or at
   * least {@link #CLOSE_GRACE}: a {@code close()} that throws (anything) is logged, one that hangs is named in the log
   * and left behind, so the router's close returns. Each closes with its plugin's class loader as context loader.
   */
  public static void closeAll(java.util.Map<String, LeadSink> sinks, long deadlineNanos) {
    if (sinks.isEmpty()) {
      return;
    }
    long deadline = Math.max(deadlineNanos, System.nanoTime() + CLOSE_GRACE.toNanos());
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService closers = Executors.newFixedThreadPool(Math.min(CLOSERS, sinks.size()), r -> {
      Thread t = new Thread(r, "leadrouter-sink-close-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    java.util.Map<String, Future<?>> closing = new java.util.LinkedHashMap<>();
    try {
      sinks.forEach((name, sink) -> closing.put(name, closers.submit(() -> close(name, sink))));
    } finally {
      closers.shutdown(); // what is queued still runs; the threads end with it
    }
    List<String> stuck = new ArrayList<>();
    boolean interrupted = false;
    for (java.util.Map.Entry<String, Future<?>> e : closing.entrySet()) {
      try {
        e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException late) {
        stuck.add(e.getKey());
      } catch (InterruptedException i) {
        interrupted = true; // the caller's interrupt: kept for it, the other sinks still waited for
        stuck.add(e.getKey());
      } catch (java.util.concurrent.ExecutionException cannot) {
        // close(name, sink) catches everything
      }
    }
    if (!stuck.isEmpty()) {
      LOG.warn("the sink(s) of destination(s) {} did not finish close() in time; the router goes on closing without"
          + " them (their connections or threads may linger until the process ends). Report this to the plugin's"
          + " authors: close() must return promptly", stuck.stream().map(s -> "'" + s + "' ("
              + sinks.get(s).getClass().getName() + ")").toList());
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void close(String destination, LeadSink sink) {
    Thread thread = Thread.currentThread();
    ClassLoader own = sink.getClass().getClassLoader();
    if (own != null) {
      thread.setContextClassLoader(own);
    }
    try {
      sink.close();
    } catch (Throwable e) { // NOPMD: one sink's failure must not keep the others (and the journal) open
      LOG.warn("closing sink '{}' ({}) failed: {}", destination, sink.getClass().getName(),
          Scrubber.standard().scrub(String.valueOf(e)));
    }
  }
}
