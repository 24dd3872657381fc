package dev.takeover.logs;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.joran.util.ConfigurationWatchListUtil;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.util.Locale;

/**
 * How the log lines look: {@code json} (one object a line, the daemon's default: what log collectors read) or
 * {@code plain} (one line of text, for people; always so for the command line). The shipped {@code logback.xml}
 * has one appender of each name and uses the one {@value #PROPERTY} names.
 */
public enum LogFormat {
  JSON, PLAIN;

  /** The system property logback.xml reads to pick the appender. */
  public static final String PROPERTY = "takeover.log.format";

  /** {@code json} or {@code plain}, any case; the message of the exception is the problem. */
  public static LogFormat parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "json" -> JSON;
      case "plain" -> PLAIN;
      default -> throw new IllegalArgumentException("must be json or plain, got '" + text + "'");
    };
  }

  /** The name of its appender in logback.xml. */
  public String appender() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Makes the lines from now on look this way. The logging was set up before the settings were read (with the
   * daemon's default): if the root logger writes with the other format's appender, logback.xml is read again with
   * this one. A configuration of the operator's own ({@code -Dlogback.configurationFile}, which has neither
   * appender) is left as it is. Returns whether anything changed.
   */
  public boolean apply() {
    System.setProperty(PROPERTY, appender());
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      return false;
    }
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    LogFormat other = this == JSON ? PLAIN : JSON;
    URL config = ConfigurationWatchListUtil.getMainWatchURL(context);
    if (root.getAppender(appender()) != null || root.getAppender(other.appender()) == null || config == null) {
      return false;
    }
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    context.reset();
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      // Unreachable with the shipped file, which was just read: logback reports it on stderr itself.
      return false;
    }
    return true;
  }
}
