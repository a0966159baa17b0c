package org.apache.flink.streaming.examples.statemachine;

import io.github.flinkops.testjob.KeyedCounter;

/**
 * Stand-in for the class of the image's examples/streaming/StateMachineExample.jar, which the
 * PyPI distribution does not ship: manifests that name it as entryClass (as the operator's own
 * examples for the real image may) run the keyed counter instead. Only the class name is shared
 * with Flink's example; nothing of its code is.
 */
public final class StateMachineExample {
  private StateMachineExample() {}

  public static void main(String[] args) throws Exception {
    KeyedCounter.main(args);
  }
}
