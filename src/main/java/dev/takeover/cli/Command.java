package dev.takeover.cli;

import dev.takeover.config.EngineConfig;
import dev.takeover.ticket.Ticket;

import java.nio.file.Path;

/** What the command line asked for. */
public sealed interface Command {

  /** Take a node over, or release it; {@code kubeconfig} null means KUBECONFIG, ~/.kube/config or in-cluster. */
  record Execute(Ticket ticket, EngineConfig config, Path kubeconfig, String context, boolean verbose) implements Command {}

  record Help() implements Command {}

  record Version() implements Command {}
}
