package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class OverlapRecorderTest {
  @Test
  void twoRequestsOfOneCustomerAtOnce_countAsAnOverlap_whateverTheCase() {
    OverlapRecorder r = new OverlapRecorder();
    r.start("customer1@contoso.example");
    r.start(" Customer1@Contoso.example");
    r.start("customer2@contoso.example");
    r.end("customer1@contoso.example");
    r.end("customer1@contoso.example");
    r.end("customer2@contoso.example");

    assertThat(r.overlaps()).isEqualTo(1);
    assertThat(r.maxInFlight("CUSTOMER1@contoso.example")).isEqualTo(2);
    assertThat(r.maxInFlight("customer2@contoso.example")).isEqualTo(1);
    assertThat(r.maxInFlightPerKey()).isEqualTo(2);
    assertThat(r.maxConcurrent()).isEqualTo(3);
    assertThat(r.keys()).isEqualTo(2);
    assertThat(r.requests()).isEqualTo(3);
  }

  @Test
  void oneAfterAnother_isNoOverlap() {
    OverlapRecorder r = new OverlapRecorder();
    for (int i = 0; i < 3; i++) {
      assertThat(r.during("customer1@contoso.example", () -> "answer")).isEqualTo("answer");
    }
    assertThat(r.overlaps()).isZero();
    assertThat(r.maxInFlightPerKey()).isEqualTo(1);
    assertThat(r.toString()).isEqualTo("overlaps=0, maxInFlightPerKey=1, maxConcurrent=1, keys=1, requests=3");
  }

  @Test
  void during_releasesTheKeyWhenTheWorkFails() {
    OverlapRecorder r = new OverlapRecorder();
    assertThatThrownBy(() -> r.during("a@contoso.example", () -> {
      throw new IllegalStateException("boom");
    })).hasMessage("boom");
    r.start("a@contoso.example");
    assertThat(r.overlaps()).isZero();
  }

  @Test
  void endWithoutStart_isAFakeBug() {
    assertThatThrownBy(() -> new OverlapRecorder().end("a@contoso.example"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a start");
  }

  @Test
  void pairFirstRequests_holdsACustomersFirstTwoTogether_andTheRestUntilBothAreDone() throws Exception {
    OverlapRecorder r = new OverlapRecorder();
    r.pairFirstRequests(Duration.ofSeconds(30));
    List<String> steps = new CopyOnWriteArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      Future<?> first = threads.submit(() -> request(r, "first", steps));
      await(() -> r.requests() == 1); // the first is waiting at its start
      Future<?> second = threads.submit(() -> request(r, "second", steps));
      await(() -> r.requests() == 2);
      Future<?> third = threads.submit(() -> request(r, "third", steps));
      for (Future<?> f : List.of(first, second, third)) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    // the first read only once the second had started, neither answered before both had read, and the third read
    // only after both had
    assertThat(steps).contains("first read, the second started");
    assertThat(steps.indexOf("first answered")).isGreaterThan(steps.indexOf("second read"));
    assertThat(steps.indexOf("second answered")).isGreaterThan(steps.indexOf("first read, the second started"));
    assertThat(steps.indexOf("third read")).isGreaterThan(steps.indexOf("first read, the second started"))
        .isGreaterThan(steps.indexOf("second read"));
    assertThat(steps).hasSize(6);
    assertThat(r.overlaps()).as(r.toString()).isPositive();
  }

  @Test
  void pairFirstRequests_aCallerThatKeepsACustomersRequestsApart_showsNoOverlap() {
    OverlapRecorder r = new OverlapRecorder();
    r.pairFirstRequests(Duration.ofMillis(200));
    for (int i = 0; i < 3; i++) { // the first goes on alone after 200 ms; nothing more is held
      assertThat(r.during("customer1@contoso.example", () -> "answer")).isEqualTo("answer");
    }
    assertThat(r.overlaps()).isZero();
    assertThat(r.maxInFlightPerKey()).isEqualTo(1);
  }

  /** One request of customer 1's (its e-mail spelt differently each time): start, read, end, answered. */
  private static void request(OverlapRecorder r, String name, List<String> steps) {
    String key = name.equals("first") ? "customer1@contoso.example" : " Customer1@Contoso.example";
    r.start(key);
    steps.add(name.equals("first") ? (r.requests() >= 2 ? "first read, the second started" : "first read alone") : name + " read");
    r.end(key);
    steps.add(name + " answered");
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    Await.until("the recorder counted the request", Duration.ofSeconds(30), condition);
  }
}
