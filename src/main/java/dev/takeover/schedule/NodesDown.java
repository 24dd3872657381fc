package dev.takeover.schedule;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * The nodes the dead-node watch told down, kept on the state topic beside the tickets (key
 * {@code #node-down/<node>}, value: the data node.down told), so that "once per down period" holds across restarts
 * and failovers: a new leader's watch learns which down periods were told already, tells none of them again, and
 * tells node.recovered for one that came back while no replica watched. The watch asks on the event bus (local);
 * only the scheduler's store writes the topic, the one transactional writer.
 * <ul>
 *   <li>{@value #ALL}: {@code {}} → {@code {"nodes": {"<node>": <data>}}}, once the state is loaded (no consumer
 *   before: the ask fails, and the watch asks again);</li>
 *   <li>{@value #TOLD}: {@code {"node", "data": {…} | null}} → {@code {}} once durable; data null: it recovered
 *   (a tombstone).</li>
 * </ul>
 */
public final class NodesDown {
  public static final String ALL = "takeover.state.nodes-down";
  public static final String TOLD = "takeover.state.node-down";

  private final Map<String, JsonObject> told;

  NodesDown(Vertx vertx, StateStore store, Map<String, JsonObject> loaded) {
    this.told = new HashMap<>(loaded);
    vertx.eventBus().<JsonObject>localConsumer(ALL, m -> m.reply(new JsonObject().put("nodes",
        new JsonObject(new HashMap<>(told)))));
    vertx.eventBus().<JsonObject>localConsumer(TOLD, m -> {
      String node = m.body() == null ? null : m.body().getString("node");
      if (node == null || node.isEmpty()) {
        m.fail(400, "no node");
        return;
      }
      JsonObject data = m.body().getJsonObject("data");
      store.write(StateStore.NODE_DOWN + node, data).onComplete(ar -> {
        if (ar.failed()) {
          m.fail(503, "not recorded on the state topic: " + ar.cause().getMessage());
          return;
        }
        if (data == null) {
          told.remove(node);
        } else {
          told.put(node, data);
        }
        m.reply(new JsonObject());
      });
    });
  }
}
