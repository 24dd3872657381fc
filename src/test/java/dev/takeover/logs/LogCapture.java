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
 * an outage told once and its end told once. Or the lines of a whole tree of loggers ({@link #ofTree}) with their
 * MDC, as the log's JSON fields would show them. Closing restores the logger's level.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Logger logger;
  private final Level before;
  private final boolean additive;
  // Appended on Vert.x threads, read on the test's.
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

  private LogCapture(String name, Level level) {
    logger = (Logger) LoggerFactory.getLogger(name);
    before = logger.getLevel();
    additive = logger.isAdditive();
    setName("capture-" + name);
    setContext(logger.getLoggerContext());
    start();
    logger.addAppender(this);
    logger.setLevel(level);
  }

  public static LogCapture of(Class<?> of) {
    return new LogCapture(of.getName(), Level.INFO);
  }

  /**
   * Every line of {@code logger} and the loggers below it ("dev.takeover": all of Takeover's), from {@code level} up;
   * captured only, not printed as well (a DEBUG capture would flood the test's output).
   */
  public static LogCapture ofTree(String logger, Level level) {
    LogCapture capture = new LogCapture(logger, level);
    capture.logger.setAdditive(false);
    return capture;
  }

  @Override
  protected void append(ILoggingEvent event) {
    // On the logging thread, now: the MDC is read from the thread, and is gone once the code that logged moves on.
    event.prepareForDeferredProcessing();
    synchronized (lines) {
      events.add(event);
      lines.add(event.getLevel() + " " + event.getFormattedMessage());
      lines.notifyAll();
    }
  }

  /** The events so far, each with its logger, level, message and MDC. */
  public List<ILoggingEvent> events() {
    return List.copyOf(events);
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
    logger.setAdditive(additive);
    stop();
  }
}
