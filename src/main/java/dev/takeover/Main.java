package dev.takeover;

/** Entry point of target/takeover.jar. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("takeover: not implemented yet");
  }
}
