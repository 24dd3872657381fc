package dev.takeover.demo;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The demo's options.
 *
 * @param node         the node to take over (kube-node02, where mysql-0 runs)
 * @param extraPods    a Deployment "web" of that many pods on the node, to show scale
 * @param pdb          a PodDisruptionBudget that blocks mysql-0's eviction (shows backoff and a clear failure)
 * @param drainTimeout passed to the run (the PDB variant shortens it to 15s so the demo ends)
 * @param keepRunning  leave the simulated cluster up after the run, for kubectl and the jar
 * @param port         the API server's port (0: any free one)
 * @param kubeconfig   where to write the kubeconfig of the simulated cluster (the daemon's settings go beside it)
 * @param oneShot      run the command line ({@code takeover run}) instead of the daemon with a broker
 * @param httpPort     the daemon's HTTP port (-1: 8080 when free, else any free one; 0: any free one)
 */
record DemoOptions(String node, int extraPods, boolean pdb, String drainTimeout, boolean keepRunning, int port,
                   Path kubeconfig, boolean help, boolean oneShot, int httpPort) {

  static final String USAGE = """
      Usage: mvn -q -Pdemo package [-Ddemo.args="OPTIONS"]

      Runs the seed's manual takeover (§12.3) with Takeover's daemon, on a simulated cluster in this process:
      kube-master, kube-node01, kube-node02; StatefulSet mysql with mysql-0 on kube-node02, pvc-mysql-0 → pv1.
      A Kafka broker (KRaft) runs in this process too; the daemon reads the seed's ticket from takeover.tickets
      and the demo prints the CloudEvents it writes to takeover.events.

      Options:
        --node NODE          the node to take over (default kube-node02)
        --extra-pods N       also run a Deployment "web" of N pods on the node, to show scale
        --pdb                add a PodDisruptionBudget (minAvailable 1) that blocks mysql-0's eviction:
                             shows the backoff and a failure naming the budget (drain timeout 15s)
        --drain-timeout D    drain timeout of the run (e.g. 20s, PT2M)
        --keep-running       leave the cluster, the broker and the daemon up after the run; prints how to
                             reach them with kubectl, kcat and curl (Ctrl-C stops them)
        --one-shot           no broker, no daemon: the command line (takeover run) does the takeover
        --port N             port of the simulated API server on 127.0.0.1 (default: a free one)
        --kubeconfig PATH    where to write its kubeconfig (default target/demo/kubeconfig)
        --http-port N        the daemon's HTTP port (API, Slack, Alertmanager, metrics; default 8080 when
                             free, else any free one; 0: any free one)
        --help               this text
      Exit code: the run's (0 done, 1 failed, 3 refused or rejected), 2 for wrong options.
      """;

  static DemoOptions parse(List<String> args) {
    String node = "kube-node02";
    int extra = 0;
    boolean pdb = false, keep = false, help = false, oneShot = false;
    String drainTimeout = null;
    int port = 0;
    int httpPort = -1;
    Path kubeconfig = Path.of("target", "demo", "kubeconfig");
    Deque<String> in = new ArrayDeque<>(args);
    while (!in.isEmpty()) {
      String arg = in.removeFirst();
      if (arg.isBlank()) {
        continue;
      }
      switch (arg) {
        case "--node" -> node = value(arg, in);
        case "--extra-pods" -> extra = number(arg, value(arg, in));
        case "--pdb" -> pdb = true;
        case "--drain-timeout" -> drainTimeout = value(arg, in);
        case "--keep-running" -> keep = true;
        case "--one-shot" -> oneShot = true;
        case "--port" -> port = number(arg, value(arg, in));
        case "--kubeconfig" -> kubeconfig = Path.of(value(arg, in));
        case "--http-port" -> httpPort = number(arg, value(arg, in));
        case "--help", "-h" -> help = true;
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    if (pdb && drainTimeout == null) {
      drainTimeout = "15s";
    }
    return new DemoOptions(node, extra, pdb, drainTimeout, keep, port, kubeconfig, help, oneShot, httpPort);
  }

  private static String value(String option, Deque<String> in) {
    if (in.isEmpty() || in.peekFirst().startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return in.removeFirst();
  }

  private static int number(String option, String text) {
    try {
      int n = Integer.parseInt(text);
      if (n < 0 || n > 65535) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " needs a number, got '" + text + "'");
    }
  }
}
