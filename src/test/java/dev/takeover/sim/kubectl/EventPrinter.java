package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventSource;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Events as the API server prints them ({@code printEvent}). Both APIs serve the same events, and the server
 * prints both through the internal (core) Event: an {@code events.k8s.io/v1} Event is read through the same
 * fields under their new names (regarding, note, deprecatedSource, …).
 */
final class EventPrinter {
  private EventPrinter() {
  }

  static final List<Column> COLUMNS = List.of(
      Column.of("Last Seen", "Event.lastTimestamp"),
      Column.of("Type", "Event.type"),
      Column.of("Reason", "Event.reason"),
      Column.of("Object", "Event.involvedObject"),
      Column.of("Subobject", "ObjectReference.fieldPath").wide(),
      Column.of("Source", "Event.source").wide(),
      Column.of("Message", "Event.message"),
      Column.of("First Seen", "Event.firstTimestamp").wide(),
      Column.of("Count", "Event.count").wide(),
      new Column("Name", "string", "name", Column.doc("ObjectMeta.name"), 1));

  static final Printer<Event> CORE = Printer.of(Event.class, COLUMNS,
      (e, now) -> cells(new View(e.getMetadata().getName(), e.getType(), e.getReason(), e.getInvolvedObject(),
          e.getSource(), e.getReportingComponent(), e.getReportingInstance(), e.getMessage(), e.getFirstTimestamp(),
          e.getLastTimestamp(), e.getEventTime(), e.getCount(),
          e.getSeries() == null ? null : e.getSeries().getCount(),
          e.getSeries() == null ? null : e.getSeries().getLastObservedTime()), now));

  static final Printer<io.fabric8.kubernetes.api.model.events.v1.Event> EVENTS_V1 =
      Printer.of(io.fabric8.kubernetes.api.model.events.v1.Event.class, COLUMNS,
          (e, now) -> cells(new View(e.getMetadata().getName(), e.getType(), e.getReason(), e.getRegarding(),
              e.getDeprecatedSource(), e.getReportingController(), e.getReportingInstance(), e.getNote(),
              e.getDeprecatedFirstTimestamp(), e.getDeprecatedLastTimestamp(), e.getEventTime(),
              e.getDeprecatedCount(), e.getSeries() == null ? null : e.getSeries().getCount(),
              e.getSeries() == null ? null : e.getSeries().getLastObservedTime()), now));

  /** The fields of the internal Event that the printer reads. */
  private record View(String name, String type, String reason, ObjectReference involved, EventSource source,
                      String reportingController, String reportingInstance, String message, String firstTimestamp,
                      String lastTimestamp, MicroTime eventTime, Integer count, Integer seriesCount,
                      MicroTime seriesLastObserved) {
  }

  private static List<Object> cells(View e, Instant now) {
    String first = empty(e.firstTimestamp) ? micro(e.eventTime, now) : HumanDuration.since(e.firstTimestamp, now);
    String last = empty(e.lastTimestamp) ? first : HumanDuration.since(e.lastTimestamp, now);
    long count = e.count == null ? 0 : e.count;
    if (e.seriesCount != null || e.seriesLastObserved != null) {
      last = micro(e.seriesLastObserved, now);
      count = e.seriesCount == null ? 0 : e.seriesCount;
    } else if (count == 0) {
      count = 1; // singleton events of the new API carry no count
    }
    ObjectReference involved = e.involved == null ? new ObjectReference() : e.involved;
    String kind = involved.getKind() == null ? "" : involved.getKind().toLowerCase(Locale.ROOT);
    String target = empty(involved.getName()) ? kind : kind + "/" + involved.getName();
    String component = firstNonEmpty(e.source == null ? null : e.source.getComponent(), e.reportingController);
    String instance = firstNonEmpty(e.source == null ? null : e.source.getHost(), e.reportingInstance);
    return List.of(last,
        nullToEmpty(e.type),
        nullToEmpty(e.reason),
        target,
        nullToEmpty(involved.getFieldPath()),
        instance.isEmpty() ? component : component + ", " + instance,
        nullToEmpty(e.message).strip(),
        first,
        count,
        nullToEmpty(e.name));
  }

  private static String micro(MicroTime time, Instant now) {
    return HumanDuration.since(time == null ? null : time.getTime(), now);
  }

  private static String firstNonEmpty(String a, String b) {
    return !empty(a) ? a : nullToEmpty(b);
  }

  private static boolean empty(String s) {
    return s == null || s.isEmpty();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
