package io.github.flinkops.testjob;

import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * The operator's stateful test job: it counts records per key in keyed state, so that whether a
 * restart restored the state shows in a number readable over REST.
 *
 * <p>A rate-limited DataGeneratorSource (its position is checkpointed) emits 0, 1, 2, ... which
 * are spread round robin over a few keys; a KeyedProcessFunction keeps a ValueState counter per
 * key. After every increment the counter is fed into the accumulator {@value #ACCUMULATOR} (a
 * maximum), shown by {@code GET /jobs/:id/accumulators}, and into the gauge of the same name.
 * Accumulators are not restored from a savepoint, but the counters are: after a restore the
 * accumulator carries on from the value the stopped job reported, instead of from 1. TaskManagers
 * send accumulators to the JobManager with their heartbeat (heartbeat.interval, 10 s by default),
 * so for the first seconds of a run REST lists no user accumulator at all: poll, do not expect it.
 *
 * <p>The source is slow on purpose: it costs no CPU to speak of and the discarding sink never
 * backpressures, so a savepoint never waits behind buffered records.
 *
 * <p>Arguments, all optional (the job also stands in for the image's StateMachineExample, which
 * runs with none): {@code --rate N} records per second over all subtasks (default 20),
 * {@code --keys N} distinct keys (default 4), {@code --checkpoint-interval MS} used only when the
 * cluster's configuration enables no checkpointing (default 10000; 0 leaves it off),
 * {@code --fail-at N} makes every attempt fail once a key's count reaches N (a job that fails for
 * good when restarts are off; default 0, never). Other arguments are ignored, as the real example
 * ignores those it does not know.
 *
 * <p>Only APIs present in both Flink 1.20 and 2.x are used ({@code open(OpenContext)}, the
 * sink.v2 DiscardingSink), so one source compiles against either.
 */
public final class KeyedCounter {
  /** Name of the accumulator and gauge that report the highest per-key count. */
  public static final String ACCUMULATOR = "keyed-counter-max";

  /** Name of the job, as /jobs/overview shows it. */
  public static final String JOB_NAME = "keyed-counter";

  // Operator uids are fixed so that a savepoint maps onto the same operators after a restart,
  // whatever else changes in the job graph.
  static final String SOURCE_UID = "keyed-counter-source";
  static final String COUNTER_UID = "keyed-counter-count";
  static final String SINK_UID = "keyed-counter-sink";

  private KeyedCounter() {}

  public static void main(String[] args) throws Exception {
    long rate = 20;
    long keys = 4;
    long checkpointInterval = 10_000;
    long failAt = 0;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      boolean known =
          flag.equals("--rate")
              || flag.equals("--keys")
              || flag.equals("--checkpoint-interval")
              || flag.equals("--fail-at");
      if (!known) {
        // Like the StateMachineExample it stands in for, which reads its arguments with
        // ParameterTool: arguments meant for the real example must not fail the job.
        System.err.println(JOB_NAME + ": ignoring argument " + flag);
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("argument " + flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--rate":
          rate = positive(flag, value);
          break;
        case "--keys":
          keys = positive(flag, value);
          break;
        case "--fail-at":
          failAt = positive(flag, value);
          break;
        default:
          checkpointInterval = Long.parseLong(value);
      }
    }

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    // The cluster's execution.checkpointing.interval wins; the default only makes a bare
    // session submission checkpoint too.
    if (!env.getCheckpointConfig().isCheckpointingEnabled() && checkpointInterval > 0) {
      env.enableCheckpointing(checkpointInterval);
    }

    DataGeneratorSource<Long> source =
        new DataGeneratorSource<>(
            new Sequence(), Long.MAX_VALUE, RateLimiterStrategy.perSecond(rate), Types.LONG);

    env.fromSource(source, WatermarkStrategy.noWatermarks(), "sequence")
        .uid(SOURCE_UID)
        .keyBy(new ModuloKey(keys), Types.LONG)
        .process(new CountPerKey(failAt))
        .uid(COUNTER_UID)
        .name("count per key")
        .sinkTo(new DiscardingSink<>())
        .uid(SINK_UID)
        .name("discard");

    env.execute(JOB_NAME);
  }

  private static long positive(String flag, String value) {
    long n = Long.parseLong(value);
    if (n <= 0) {
      throw new IllegalArgumentException(flag + " must be positive, got " + value);
    }
    return n;
  }

  /** Emits the record's index itself; the source checkpoints how far it got. */
  static final class Sequence implements GeneratorFunction<Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long map(Long index) {
      return index;
    }
  }

  /** Spreads the sequence round robin, so all keys' counters stay within one of each other. */
  static final class ModuloKey implements KeySelector<Long, Long> {
    private static final long serialVersionUID = 1L;
    private final long keys;

    ModuloKey(long keys) {
      this.keys = keys;
    }

    @Override
    public Long getKey(Long value) {
      return value % keys;
    }
  }

  /** Counts records per key in keyed state and reports the count after each increment. */
  static final class CountPerKey extends KeyedProcessFunction<Long, Long, Long> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<Long> count;
    private transient LongMaximum highest;
    private transient volatile long lastReported;
    private final long failAt;

    CountPerKey(long failAt) {
      this.failAt = failAt;
    }

    @Override
    public void open(OpenContext openContext) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
      // Starts at 0 rather than LongMaximum's Long.MIN_VALUE, so that REST shows 0 until the
      // first record of this run.
      highest = new LongMaximum(0L);
      getRuntimeContext().addAccumulator(ACCUMULATOR, highest);
      getRuntimeContext().getMetricGroup().gauge(ACCUMULATOR, () -> lastReported);
    }

    @Override
    public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
      Long current = count.value();
      long next = current == null ? 1 : current + 1;
      if (failAt > 0 && next >= failAt) {
        throw new IllegalStateException(JOB_NAME + ": a count reached --fail-at " + failAt);
      }
      count.update(next);
      highest.add(next);
      lastReported = highest.getLocalValuePrimitive();
      out.collect(next);
    }
  }
}
