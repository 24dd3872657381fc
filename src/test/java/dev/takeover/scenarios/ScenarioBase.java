package dev.takeover.scenarios;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.TestInfo;

/**
 * Each scenario gets its own cluster (a fresh simulated one, or the real one of the e2e profile) and its own
 * namespace named after the test, so no state leaks from one scenario to the next.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
abstract class ScenarioBase {
  TestCluster cluster;
  Scene scene;

  @BeforeEach
  void startScene(TestInfo info) {
    cluster = Clusters.start();
    scene = Scene.in(cluster, info.getTestMethod().orElseThrow().getName());
  }

  @AfterEach
  void closeScene() {
    try {
      scene.close();
    } finally {
      cluster.close();
    }
  }

  /** The seed's StatefulSet mysql (one replica, claim pvc-mysql-0 pre-bound to a fresh PV) with its pod on {@code node}. */
  String seedMysqlOn(String node) {
    String pv = scene.volumeName("pv1");
    scene.volume(pv, "1Gi", "pvc-mysql-0", null)
        .headlessService("mysql", "mysql-sts", 3306)
        .placedOn(node, 1, () -> scene.statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { }));
    return pv;
  }
}
