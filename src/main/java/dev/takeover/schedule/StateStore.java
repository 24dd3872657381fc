package dev.takeover.schedule;

import dev.takeover.daemon.DaemonConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.vertx.core.Promise;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.takeover.logs.RunKeys;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.function.BooleanSupplier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's durable memory: the compacted state topic, one record per ticket id holding the ticket and where
 * it is. {@link #load()} reads it to its end at start; {@link #write} completes once the broker has the record on
 * every in-sync replica (acks=all, idempotent, so records of one ticket never swap).
 *
 * <p>Every write is a Kafka transaction of one record under one transactional id per installation ({@link
 * #transactionalId}): the leader's {@link #open()} makes the broker fence every earlier producer of that id, a
 * deposed leader still writing as it stops among them, and abort what it had not committed. The readers read
 * committed records only, so a fenced write never shows, and the deposed leader's late record can never be the last
 * one of a ticket, which compaction would keep (Kafka Streams fences its zombies the same way).
 */
final class StateStore {
  private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);

  /** Another producer of the state topic took over (a newer leader): this one must stop writing and scheduling. */
  static final class Fenced extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Fenced(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final DaemonConfig config;
  private final BooleanSupplier leads;
  private KafkaProducer<String, String> producer;
  /** The producer's initTransactions, once asked; null when there is no producer. */
  private Future<Void> opened;
  /** Transactions run one at a time on one producer: each write waits for the one before. */
  private Future<Void> last = Future.succeededFuture();
  /** No new producer after {@link #seal()}: a new one would fence the leader that replaced this one. */
  private boolean sealed;
  private volatile boolean fenced;

  /** A store that only reads ({@link #load()}), or writes as if it always led (the tests). */
  StateStore(Vertx vertx, DaemonConfig config) {
    this(vertx, config, () -> true);
  }

  /**
   * A leader's store: it opens a producer (and so fences the others) only while {@code leads} says this replica
   * leads, also checked once the fence is in place.
   */
  StateStore(Vertx vertx, DaemonConfig config, BooleanSupplier leads) {
    this.vertx = vertx;
    this.config = config;
    this.leads = leads;
  }

  /** The transactional id of every replica of this installation (its consumer group's name). */
  static String transactionalId(DaemonConfig config) {
    return config.kafka().groupId() + ".state-writer";
  }

  /**
   * Makes the producer and has the broker fence every earlier one of the installation: to be called by a leader
   * before it reads the state, so that nothing a deposed leader writes afterwards can count. A replica that does
   * not lead (any more) never opens one: it would fence the leader.
   */
  Future<Void> open() {
    if (opened != null) {
      return opened;
    }
    if (sealed || fenced || !leads.getAsBoolean()) {
      fenced = fenced || !sealed;
      return Future.failedFuture(new Fenced("the state store stopped writing (this replica stops acting)"));
    }
    Map<String, String> props = new HashMap<>(config.kafka().durableProducer(StringSerializer.class,
        Duration.ofSeconds(30)));
    props.put("transactional.id", transactionalId(config));
    // One transaction right after another: the next one's first send may find the last one's markers not yet
    // written (CONCURRENT_TRANSACTIONS) and is retried after this backoff; 100 ms by default, which a ticket's every
    // record would pay. 10 ms made a write 20-40 % faster here (14-23 ms against 19-36 ms, on a loaded machine).
    props.putIfAbsent("retry.backoff.ms", "10");
    producer = KafkaProducer.create(vertx, props);
    // A failed write is handled where it was made (the scheduler retries it and warns); without a handler the
    // stream would also report it as an exception slipped out of a verticle: an ERROR per write during an outage.
    producer.exceptionHandler(e -> { });
    opened = producer.initTransactions().compose(v -> {
      // The fence took a while (a slow broker) and this replica stopped leading meanwhile: it may have fenced the
      // new leader, which takes the state topic back at its next write (see writeNow). This one writes nothing.
      return leads.getAsBoolean() ? Future.<Void>succeededFuture()
          : Future.<Void>failedFuture(new Fenced("this replica no longer leads"));
    }).recover(e -> discard(e));
    return opened;
  }

  /**
   * The key prefix of the records that are not tickets but nodes the dead-node watch told down ({@link NodesDown}):
   * a ticket id starts with a letter or a digit, never with '#', so the two never share a key.
   */
  static final String NODE_DOWN = "#node-down/";

  /** What the topic holds: every ticket's last state (in the order first recorded), and the nodes told down. */
  record Loaded(List<JsonObject> tickets, Map<String, JsonObject> nodesDown) {}

  /** Every ticket's last state, in the order they were first recorded (by key), and the nodes told down. */
  Future<Loaded> load() {
    Map<String, JsonObject> state = new LinkedHashMap<>();
    Map<String, JsonObject> nodes = new LinkedHashMap<>();
    StateReader reader = new StateReader(vertx, config, (id, value) -> {
      if (id != null && id.startsWith(NODE_DOWN)) {
        putAny(nodes, id.substring(NODE_DOWN.length()), value);
      } else {
        put(state, id, value);
      }
    });
    return reader.read(false).map(v -> new Loaded(List.copyOf(state.values()), Map.copyOf(nodes)))
        .eventually(reader::close);
  }

  /** One record read back: a ticket's state replaces the last one, a tombstone removes it; not a ticket: skipped. */
  static void put(Map<String, JsonObject> state, String id, String value) {
    if (id != null && id.startsWith("#")) {
      return;
    }
    putAny(state, id, value);
  }

  private static void putAny(Map<String, JsonObject> state, String id, String value) {
    if (value == null) {
      state.remove(id);
      return;
    }
    try {
      state.put(id, new JsonObject(value));
    } catch (RuntimeException e) {
      // Only the daemon writes here; a record it cannot read is skipped, not fatal.
    }
  }

  /**
   * Records a ticket's state (null: a tombstone); completes when the broker has it durably and committed. Fails with
   * {@link Fenced} once a newer producer took over, for good; any other failure may be tried again.
   */
  Future<Void> write(String ticketId, JsonObject value) {
    Promise<Void> done = Promise.promise();
    last = last.transform(x -> writeNow(ticketId, value).onComplete(done)).otherwiseEmpty();
    return done.future();
  }

  private Future<Void> writeNow(String ticketId, JsonObject value) {
    return open().compose(v -> {
      KafkaProducer<String, String> p = producer;
      return p.beginTransaction()
          .compose(x -> p.send(KafkaProducerRecord.create(config.kafka().topics().state(), ticketId,
              value == null ? null : value.encode())))
          .compose(x -> p.commitTransaction())
          // An abortable error (a timeout, InvalidProducerEpoch after the broker aborted a transaction that took too
          // long) is aborted and tried again; if the abort fails, the producer is replaced (after a timed-out commit
          // Kafka allows only that commit again: a new producer's initTransactions waits for it to end instead).
          .recover(e -> isFenced(e) ? discard(e) : p.abortTransaction().transform(a -> a.succeeded()
              ? Future.failedFuture(e) : discard(isFenced(a.cause()) ? a.cause() : e)));
    });
  }

  /**
   * The producer cannot go on: fenced (for good) or in a state only a new producer leaves (the next write makes one,
   * unless sealed). Fails with the cause, or {@link Fenced}.
   */
  private Future<Void> discard(Throwable e) {
    KafkaProducer<String, String> p = producer;
    producer = null;
    opened = null;
    if (p != null) {
      // Bounded: a producer closed with a transaction unfinished and the broker away would hold a worker forever.
      p.close(CLOSE_TIMEOUT.toMillis());
    }
    if (!isFenced(e)) {
      return Future.failedFuture(e);
    }
    if (!(e instanceof Fenced) && !sealed && leads.getAsBoolean() && takenBack++ < MAX_TAKE_BACKS) {
      // Fenced while this replica leads: by one deposed an instant ago that had not noticed yet (its fence raced
      // ours). The next write opens a producer again and fences it back; the write is tried again meanwhile.
      LOG.warn("the state topic was fenced by another writer (transactional id {}) while this replica leads; taking it "
          + "back", transactionalId(config));
      return Future.failedFuture(new IllegalStateException("fenced by a deposed writer: " + e.getMessage()));
    }
    if (!fenced) {
      LOG.error("the state topic has a newer writer (transactional id {}): another replica leads{}; this one stops "
          + "writing it", transactionalId(config), takenBack > MAX_TAKE_BACKS ? " (or another daemon shares kafka.groupId, "
          + "or two run with leader election off: they kept fencing each other)" : "");
    }
    fenced = true;
    return Future.failedFuture(e instanceof Fenced ? e : new Fenced("another replica writes the state topic now: "
        + e.getMessage()));
  }

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  /**
   * How often a leader fenced by another writer takes the topic back. Once is the race with a replica just deposed;
   * more means two writers that each believe they lead (two installations sharing a group id, two replicas with
   * leader election off during a rolling update): they would fence each other for ever, so this one gives up.
   */
  private static final int MAX_TAKE_BACKS = 3;
  private int takenBack;

  private static boolean isFenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      // Not InvalidProducerEpochException: abortable (the broker aborted a transaction of ours that took too long).
      if (t instanceof ProducerFencedException || t instanceof Fenced) {
        return true;
      }
    }
    return false;
  }

  /** Whether a newer producer took over. */
  boolean fenced() {
    return fenced;
  }

  /** No new producer from now on (this replica stops acting); the writes in flight go on, on the producer there is. */
  void seal() {
    sealed = true;
  }

  /**
   * Records an entry, retrying while the broker is away (capped backoff): a ticket is never answered, started or
   * dropped without its record, and a broker outage only delays the schedule. Not once another replica writes the
   * state (fenced): this one stops acting. Nor for long once {@code stopping}: a stop must end within the pod's grace
   * period, and the next leader works from the records there are and the nodes' own records.
   */
  Future<Void> record(TicketEntry e, Clock clock, BooleanSupplier stopping) {
    return record(e, clock, stopping, 0);
  }

  private Future<Void> record(TicketEntry e, Clock clock, BooleanSupplier stopping, int attempt) {
    e.updated = clock.instant();
    return write(e.id(), e.toJson(StoredTickets::toJson, e.updated)).recover(err -> {
      if (err instanceof Fenced) {
        return Future.failedFuture(err);
      }
      RunKeys keys = new RunKeys(e.id(), e.runId, e.node());
      if (stopping.getAsBoolean() && attempt >= 2) {
        keys.during(() -> LOG.warn("ticket {} not recorded (state {}), the scheduler stops: {}", e.id(), e.state,
            oneLine(err)));
        return Future.failedFuture(err);
      }
      if (attempt == 0 || attempt % 10 == 0) {
        keys.during(() -> LOG.warn("state topic unreachable, ticket {} not recorded yet (attempt {}): {}", e.id(),
            attempt + 1, oneLine(err)));
      }
      Promise<Void> later = Promise.promise();
      long delay = Math.min(10_000L, 250L << Math.min(attempt, 6));
      vertx.setTimer(delay, t -> record(e, clock, stopping, attempt + 1).onComplete(later));
      return later.future();
    });
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** Tombstones a ticket's state: compaction then drops it from the topic, and the next start never reads it. */
  Future<Void> forget(String ticketId) {
    return write(ticketId, null);
  }

  Future<Void> close() {
    sealed = true;
    return last.transform(x -> {
      KafkaProducer<String, String> p = producer;
      producer = null;
      opened = null;
      return p == null ? Future.succeededFuture() : p.close(CLOSE_TIMEOUT.toMillis());
    });
  }
}
