package dev.takeover.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the JVM holds: resident memory as Linux counts it ({@code VmRSS} of /proc/self/status), the heap in use
 * after a full collection, and the process's CPU time. The JVM seldom gives memory back, so RSS shows the high
 * water mark; the heap after GC shows what is really held.
 */
record Footprint(long rssKb, long heapAfterGcKb) {

  static Footprint now() {
    return new Footprint(currentRssKb(), currentHeapAfterGcKb());
  }

  static long currentRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no RSS
    }
    return -1;
  }

  static long currentHeapAfterGcKb() {
    // Twice: the first collection may only move what the second frees.
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
  }

  /** The process's CPU time so far, in milliseconds (every thread: broker, simulator and daemon alike). */
  static long cpuMillis() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime() / 1_000_000;
    }
    return -1;
  }

  String show() {
    return String.format(Locale.ROOT, "RSS %4d MB, heap after GC %4d MB", rssKb / 1024, heapAfterGcKb / 1024);
  }

  String minus(Footprint base) {
    return String.format(Locale.ROOT, "RSS %+4d MB, heap after GC %+4d MB", (rssKb - base.rssKb) / 1024,
        (heapAfterGcKb - base.heapAfterGcKb) / 1024);
  }
}
