package dev.takeover.logs;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

import java.util.Map;

/**
 * {@code %runKeys} in the plain format: {@code [ticket=CHG-1042 run=run-5d0c1a2b node=kube-node02] } for a line of a
 * run, only the keys it has, and nothing at all for a line that concerns no run (so those read as before).
 */
public final class RunKeysConverter extends ClassicConverter {
  @Override
  public String convert(ILoggingEvent event) {
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc == null || mdc.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (String key : new String[] {RunKeys.TICKET, RunKeys.RUN, RunKeys.NODE}) {
      String value = mdc.get(key);
      if (value != null) {
        b.append(b.isEmpty() ? "[" : " ").append(key).append('=').append(value);
      }
    }
    return b.isEmpty() ? "" : b.append("] ").toString();
  }
}
