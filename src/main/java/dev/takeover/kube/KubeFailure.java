package dev.takeover.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A failed Kubernetes call, told in one line: what was attempted and what the API server said.
 * fabric8's own messages carry URLs and whole response bodies; operators get the status and reason.
 */
public final class KubeFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KubeFailure(String what, Throwable cause) {
    super(what + ": " + describe(cause), cause, false, false);
  }

  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && !(t instanceof KubernetesClientException) && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof KubernetesClientException kce) {
      String msg = kce.getStatus() != null && kce.getStatus().getMessage() != null
          ? kce.getStatus().getMessage() : firstLine(kce.getMessage());
      return kce.getCode() > 0 ? kce.getCode() + " " + msg : msg;
    }
    return firstLine(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
