package dev.takeover.logs;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The lines one class logs (INFO and up) while a test runs: how a test sees what the operator would read, such as
 * an outage told once and its end told once. Closing restores the logger's level.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Logger logger;
  private final Level before;
  // Appended on Vert.x threads, read on the test's.
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LogCapture(Class<?> of) {
    logger = (Logger) LoggerFactory.getLogger(of);
    before = logger.getLevel();
    setName("capture-" + of.getSimpleName());
    setContext(logger.getLoggerContext());
    start();
    logger.addAppender(this);
    logger.setLevel(Level.INFO);
  }

  public static LogCapture of(Class<?> of) {
    return new LogCapture(of);
  }

  @Override
  protected void append(ILoggingEvent event) {
    synchronized (lines) {
      lines.add(event.getLevel() + " " + event.getFormattedMessage());
      lines.notifyAll();
    }
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** Lines that contain {@code text}. */
  public List<String> containing(String text) {
    return lines.stream().filter(l -> l.contains(text)).toList();
  }

  /** Waits (bounded) until a line matches, woken by each new line; returns it. */
  public String await(Predicate<String> line, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    synchronized (lines) {
      while (true) {
        for (String l : lines) {
          if (line.test(l)) {
            return l;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no such log line within " + bound + "; logged: " + lines);
        }
        try {
          lines.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    logger.setLevel(before);
    stop();
  }
}
