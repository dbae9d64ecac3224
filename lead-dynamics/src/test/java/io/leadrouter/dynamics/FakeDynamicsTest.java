package io.leadrouter.dynamics;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Base of the tests that run against one {@link FakeDynamics} per class, reset before each test. */
abstract class FakeDynamicsTest {
  static FakeDynamics fake;

  @BeforeAll
  static void startFake() {
    fake = new FakeDynamics();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }
}
