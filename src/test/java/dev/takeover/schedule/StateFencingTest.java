package dev.takeover.schedule;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.Topics;
import dev.takeover.kafka.TestBroker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two leaders' state stores on one real broker, one after the other: the new leader opens its store before it reads
 * the state, and from then on nothing the deposed one writes counts, even a write it started before. Its record of
 * the ticket the new leader resumed would otherwise be the last one, the one compaction keeps.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StateFencingTest {
  final Vertx vertx = Vertx.vertx();
  final String prefix = TestBroker.unique("fence");
  final DaemonConfig config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", TestBroker.bootstrap()),
      new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"), prefix, 3,
      (short) -1), dev.takeover.config.EngineConfig.defaults(), new DaemonConfig.Tickets(65536, Duration.ofMillis(200)),
      "test");

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.await(30, TimeUnit.SECONDS);
  }

  static JsonObject state(String id, String s) {
    return new JsonObject().put("id", id).put("state", s);
  }

  Map<String, String> read() throws Exception {
    StateStore reader = new StateStore(vertx, config);
    List<JsonObject> all = await(reader.load()).tickets();
    return all.stream().collect(java.util.stream.Collectors.toMap(j -> j.getString("id"), j -> j.getString("state")));
  }

  @Test
  void once_a_new_leader_opened_its_store_the_deposed_leaders_writes_fail_and_never_show() throws Exception {
    await(Topics.ensure(vertx, config));
    java.util.concurrent.atomic.AtomicBoolean deposedLeads = new java.util.concurrent.atomic.AtomicBoolean(true);
    StateStore deposed = new StateStore(vertx, config, deposedLeads::get);
    await(deposed.open());
    await(deposed.write("CHG-1", state("CHG-1", "running")));

    // Its Lease ran out: it steps down (and would stop its scheduler), and the new leader opens its store.
    deposedLeads.set(false);
    StateStore leader = new StateStore(vertx, config);
    await(leader.open());
    assertEquals(Map.of("CHG-1", "running"), read(), "the new leader reads what the old one committed");
    await(leader.write("CHG-1", state("CHG-1", "running, resumed")));

    // The deposed leader, still stopping, records the ticket as it saw it: refused, for good.
    Future<Void> late = deposed.write("CHG-1", state("CHG-1", "failed"));
    dev.takeover.sim.Await.await("the deposed leader's write answered", Duration.ofSeconds(30), late::isComplete);
    assertTrue(late.failed(), "the deposed leader's write went through");
    assertInstanceOf(StateStore.Fenced.class, late.cause(), String.valueOf(late.cause()));
    assertTrue(deposed.fenced());
    Future<Void> again = deposed.write("CHG-2", state("CHG-2", "waiting"));
    dev.takeover.sim.Await.await("its next write answered", Duration.ofSeconds(30), again::isComplete);
    assertInstanceOf(StateStore.Fenced.class, again.cause(), "no new producer that would fence the leader in turn");

    await(leader.write("CHG-3", state("CHG-3", "waiting")));
    assertEquals(Map.of("CHG-1", "running, resumed", "CHG-3", "waiting"), read());
  }

  @Test
  void a_sealed_store_whose_producer_broke_makes_no_new_one() throws Exception {
    await(Topics.ensure(vertx, config));
    StateStore stopping = new StateStore(vertx, config);
    stopping.seal();
    Future<Void> write = stopping.write("CHG-1", state("CHG-1", "running"));
    dev.takeover.sim.Await.await("answered", Duration.ofSeconds(30), write::isComplete);
    assertInstanceOf(StateStore.Fenced.class, write.cause(), String.valueOf(write.cause()));
    assertEquals(Map.of(), read());
  }

  @Test
  void a_replica_that_no_longer_leads_never_opens_a_producer_and_a_leader_fenced_by_it_takes_the_state_back()
      throws Exception {
    await(Topics.ensure(vertx, config));
    java.util.concurrent.atomic.AtomicBoolean bLeads = new java.util.concurrent.atomic.AtomicBoolean(true);
    StateStore a = new StateStore(vertx, config);
    StateStore b = new StateStore(vertx, config, bLeads::get);
    await(a.open());
    await(a.write("CHG-1", state("CHG-1", "running")));
    // Replica b, deposed an instant ago without having noticed, fences a: its producer's fence raced a's.
    await(b.open());
    bLeads.set(false);

    Future<Void> fenced = a.write("CHG-1", state("CHG-1", "running, step drain"));
    dev.takeover.sim.Await.await("a's write answered", Duration.ofSeconds(30), fenced::isComplete);
    assertTrue(fenced.failed(), "a was fenced");
    assertTrue(!(fenced.cause() instanceof StateStore.Fenced), "a leads: it tries again, not for good: " + fenced.cause());
    // Tried again (as the scheduler does), a opens a producer once more and fences b back.
    await(a.write("CHG-1", state("CHG-1", "running, step drain")));
    Future<Void> late = b.write("CHG-2", state("CHG-2", "waiting"));
    dev.takeover.sim.Await.await("b's write answered", Duration.ofSeconds(30), late::isComplete);
    assertInstanceOf(StateStore.Fenced.class, late.cause(), String.valueOf(late.cause()));

    StateStore c = new StateStore(vertx, config, () -> false);
    Future<Void> never = c.write("CHG-3", state("CHG-3", "waiting"));
    dev.takeover.sim.Await.await("c's write answered", Duration.ofSeconds(30), never::isComplete);
    assertInstanceOf(StateStore.Fenced.class, never.cause(), "a replica that does not lead opens no producer");

    assertEquals(Map.of("CHG-1", "running, step drain"), read());
  }

  @Test
  void two_writers_that_both_believe_they_lead_stop_fencing_each_other_after_a_few_take_backs() throws Exception {
    await(Topics.ensure(vertx, config));
    // Two installations sharing a group id, or two replicas with leader election off during a rolling update.
    StateStore a = new StateStore(vertx, config);
    StateStore b = new StateStore(vertx, config);
    await(a.open());
    await(b.open());
    StateStore[] writers = {a, b};
    int writes = 0;
    while (!a.fenced() && !b.fenced() && writes < 40) {
      Future<Void> w = writers[writes % 2].write("CHG-1", state("CHG-1", "write " + writes));
      dev.takeover.sim.Await.await("write " + writes + " answered", Duration.ofSeconds(30), w::isComplete);
      writes++;
    }
    assertTrue(a.fenced() || b.fenced(), "they were still fencing each other after " + writes + " writes");
    StateStore last = a.fenced() ? b : a;
    await(last.write("CHG-2", state("CHG-2", "the one left writes")));
    assertEquals("the one left writes", read().get("CHG-2"));
  }
}
