package io.leadrouter.testkit;

import java.util.Collection;

/**
 * A CRM fake as {@link ManyCustomers}' "one customer, one record" run and its control ask it: the requests it saw per
 * customer, how long its requests take, and the records it holds. The fakes of the CRMs that match by e-mail
 * implement it.
 */
public interface CustomerRecords {
  /** The fake's WireMock transformer, which counts each customer's requests and takes their processing time. */
  FakeTransformer transformer();

  /** Requests per customer (by the e-mail they write or look up) in flight together, as the fake saw them. */
  default OverlapRecorder customers() {
    return transformer().customers();
  }

  /** From now on each request about a customer takes this long at the fake, so concurrent requests overlap. */
  default void processingTime(int millis) {
    transformer().processingTime(millis);
  }

  /** How many records the destination holds. */
  int recordCount();

  /** The records whose e-mail is this address, compared ignoring case as the CRM's e-mail match does. */
  Collection<?> recordsWithEmail(String email);
}
