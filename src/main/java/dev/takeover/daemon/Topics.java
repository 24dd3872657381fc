package dev.takeover.daemon;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Makes sure the daemon's four topics exist before anything reads or writes them. A topic that exists is left as
 * it is (its owners may have chosen its partitions and retention), except that the state topic must be compacted:
 * without compaction the daemon's state would age out with the retention.
 */
public final class Topics {
  /** Room for a 2 MB poison ticket to be read and dead-lettered unchanged (the broker's default is 1 MB). */
  static final String MAX_MESSAGE_BYTES = String.valueOf(8 * 1024 * 1024);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final long METADATA_RETRY_MS = 100;
  private static final int METADATA_ATTEMPTS = 100;

  /** Why the topics are not ready: one line naming the topic, without stack trace or secret. */
  public static final class TopicsError extends RuntimeException {
    TopicsError(String message) {
      super(message.replace('\r', ' ').replace('\n', ' '), null, false, false);
    }
  }

  private Topics() {}

  /**
   * Completes when the tickets, events, dead-letters and state topics all exist (created with
   * {@code kafka.partitions} and {@code kafka.replicationFactor} where missing); fails with a {@link TopicsError} when
   * one cannot be created or the state topic exists without compaction.
   */
  public static Future<Void> ensure(Vertx vertx, DaemonConfig config) {
    DaemonConfig.Kafka kafka = config.kafka();
    Context context = vertx.getOrCreateContext();
    // Kafka's own Admin, its futures brought back to our context: vertx-kafka-client 5.2.3's createTopics turns a
    // replication factor of -1 into a NullPointerException. On a worker: creating it resolves the bootstrap names.
    return vertx.executeBlocking(() -> Admin.create(new HashMap<String, Object>(kafka.properties())))
        // The broker named: Kafka's "No resolvable bootstrap urls given in bootstrap.servers" does not say which.
        .recover(e -> Future.failedFuture(new TopicsError("could not start a Kafka admin client for "
            + kafka.properties().get("bootstrap.servers") + ": " + reason(e, kafka))))
        .compose(admin -> new Ensure(context, admin, kafka).run()
            .eventually(() -> vertx.executeBlocking(() -> {
              admin.close(CLOSE_TIMEOUT);
              return null;
            }).otherwiseEmpty()))
        .recover(e -> Future.failedFuture(e instanceof TopicsError ? e
            : new TopicsError("could not make sure the topics exist: " + reason(e, kafka))));
  }

  /** The four topics as the daemon creates them. */
  static List<NewTopic> wanted(DaemonConfig.Kafka kafka) {
    DaemonConfig.Topics names = kafka.topics();
    Map<String, String> large = Map.of("max.message.bytes", MAX_MESSAGE_BYTES);
    // The state topic first: should it exist uncompacted without the list showing it yet, its TopicExistsException
    // stops the start before anything else is created.
    return List.of(
        topic(names.state(), kafka).configs(Map.of("cleanup.policy", "compact")),
        topic(names.tickets(), kafka).configs(large),
        topic(names.events(), kafka),
        topic(names.deadLetters(), kafka).configs(large));
  }

  private static NewTopic topic(String name, DaemonConfig.Kafka kafka) {
    short replication = kafka.replicationFactor();
    // Empty: the broker's default.replication.factor.
    return new NewTopic(name, Optional.of(kafka.partitions()),
        replication == -1 ? Optional.empty() : Optional.of(replication));
  }

  /** One run of {@link #ensure}: list, check the state topic, create what is missing, in that order. */
  private record Ensure(Context context, Admin admin, DaemonConfig.Kafka kafka) {

    Future<Void> run() {
      String bootstrap = kafka.properties().get("bootstrap.servers");
      return call(admin.listTopics().names())
          .recover(e -> Future.failedFuture(new TopicsError("could not list the topics of Kafka at " + bootstrap
              + ": " + reason(e, kafka))))
          // The state topic first: when it is wrong, nothing is created.
          .compose(existing -> stateIsCompacted(existing).map(existing))
          .compose(existing -> {
            List<String> created = new ArrayList<>();
            Future<Void> done = Future.succeededFuture();
            for (NewTopic topic : wanted(kafka)) {
              if (!existing.contains(topic.name())) {
                done = done.compose(v -> create(topic)).onSuccess(v -> created.add(topic.name()));
              }
            }
            return done.compose(v -> shown(created));
          });
    }

    /**
     * Completes when the brokers describe the topics just created: the controller acknowledges a creation before
     * every broker has the new metadata, and a client that came right after would be told the topic is unknown.
     */
    private Future<Void> shown(List<String> topics) {
      if (topics.isEmpty()) {
        return Future.succeededFuture();
      }
      return retrying(() -> call(admin.describeTopics(topics).allTopicNames()), METADATA_ATTEMPTS)
          .<Void>mapEmpty()
          .recover(e -> Future.failedFuture(new TopicsError("created topics " + String.join(", ", topics)
              + ", but Kafka did not show them within " + METADATA_ATTEMPTS * METADATA_RETRY_MS / 1000 + " s: "
              + reason(e, kafka))));
    }

    /** {@code call}'s result, asked again a little later while the brokers do not know the topic yet. */
    private <T> Future<T> retrying(Supplier<Future<T>> call, int attempts) {
      return call.get().recover(e -> {
        if (!(unwrap(e) instanceof UnknownTopicOrPartitionException) || attempts <= 1) {
          return Future.failedFuture(e);
        }
        Promise<Void> later = Promise.promise();
        context.owner().setTimer(METADATA_RETRY_MS, id -> later.complete());
        return later.future().compose(v -> retrying(call, attempts - 1));
      });
    }

    private Future<Void> stateIsCompacted(Set<String> existing) {
      String state = kafka.topics().state();
      if (!existing.contains(state)) {
        return Future.succeededFuture();
      }
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, state);
      // Retried: after a TopicExistsException, this broker may not have heard of the topic yet.
      return retrying(() -> call(admin.describeConfigs(List.of(resource)).values().get(resource)), METADATA_ATTEMPTS)
          .recover(e -> Future.failedFuture(new TopicsError("could not read the configuration of topic " + state
              + " (to check that it is compacted): " + reason(e, kafka))))
          .compose(config -> {
            ConfigEntry entry = config.get("cleanup.policy");
            String policy = entry == null || entry.value() == null ? "delete" : entry.value();
            if (List.of(policy.split(",")).contains("compact")) {
              return Future.succeededFuture();
            }
            return Future.failedFuture(new TopicsError("topic " + state + " (kafka.topics.state) exists with "
                + "cleanup.policy=" + policy + ", but the daemon's state topic must be compacted: set its "
                + "cleanup.policy to compact, or name another topic"));
          });
    }

    private Future<Void> create(NewTopic topic) {
      return call(admin.createTopics(List.of(topic)).all()).recover(e -> {
        Throwable cause = unwrap(e);
        if (cause instanceof TopicExistsException) {
          // Someone created it between our list and our create (another daemon starting): it exists, which is all
          // we want, if it is the state topic, compacted.
          return stateIsCompacted(Set.of(topic.name()));
        }
        String why = cause instanceof TopicAuthorizationException || cause instanceof ClusterAuthorizationException
            ? "not authorized (" + cause.getClass().getSimpleName() + "); create it beforehand, or allow this "
                + "daemon's principal to create topics"
            : reason(cause, kafka);
        return Future.failedFuture(new TopicsError("could not create topic " + topic.name() + ": " + why));
      });
    }

    /** A Kafka future as a Vert.x one, completed on our context rather than on Kafka's admin thread. */
    private <T> Future<T> call(KafkaFuture<T> future) {
      return Future.fromCompletionStage(future.toCompletionStage(), context);
    }
  }

  /** The innermost cause, named and on one line, with every secret property's value blanked out. */
  private static String reason(Throwable failure, DaemonConfig.Kafka kafka) {
    Throwable cause = unwrap(failure);
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() == null ? "" : ": " + cause.getMessage().lines().findFirst().orElse("");
    String text = cause.getClass().getSimpleName() + message;
    for (Map.Entry<String, String> property : kafka.properties().entrySet()) {
      if (DaemonConfig.Kafka.isSecret(property.getKey()) && !property.getValue().isEmpty()) {
        text = text.replace(property.getValue(), DaemonConfig.Kafka.REDACTED);
      }
    }
    return text;
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
