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
  /** For {@link #everything}: the levels it changed, and the appenders it took off the root, put back at close. */
  private final java.util.Map<Logger, Level> levelsBefore = new java.util.LinkedHashMap<>();
  private final List<ch.qos.logback.core.Appender<ILoggingEvent>> silenced = new java.util.ArrayList<>();
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

  /** The lines of a logger named so (a class the test cannot see), from INFO up. */
  public static LogCapture of(String logger) {
    return new LogCapture(logger, Level.INFO);
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

  /**
   * Every line of every logger (the libraries' too), each at least at the level given here (the root at INFO unless
   * said), captured only: the test's console output is off meanwhile.
   */
  public static LogCapture everything(java.util.Map<String, Level> levels) {
    LogCapture capture = new LogCapture(Logger.ROOT_LOGGER_NAME, levels.getOrDefault(Logger.ROOT_LOGGER_NAME, Level.INFO));
    for (java.util.Iterator<ch.qos.logback.core.Appender<ILoggingEvent>> it = capture.logger.iteratorForAppenders();
         it.hasNext(); ) {
      ch.qos.logback.core.Appender<ILoggingEvent> a = it.next();
      if (a != capture) {
        capture.silenced.add(a);
      }
    }
    capture.silenced.forEach(capture.logger::detachAppender);
    levels.forEach((name, level) -> {
      if (!name.equals(Logger.ROOT_LOGGER_NAME)) {
        Logger l = (Logger) LoggerFactory.getLogger(name);
        capture.levelsBefore.put(l, l.getLevel());
        l.setLevel(level);
      }
    });
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

  /**
   * Each event so far as a log collector would get it whole: logger, level, message, MDC, key-value pairs and the
   * stack trace with every cause's message.
   */
  public List<String> rendered() {
    return events.stream().map(e -> e.getLoggerName() + " " + e.getLevel() + " " + e.getFormattedMessage() + " "
        + e.getMDCPropertyMap() + (e.getKeyValuePairs() == null ? "" : " " + e.getKeyValuePairs())
        + (e.getThrowableProxy() == null ? ""
            : "\n" + ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
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
    levelsBefore.forEach(Logger::setLevel);
    silenced.forEach(logger::addAppender);
    stop();
  }
}
