package dev.takeover.sim.api;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Requests read as requestinfo.go reads them: verb, namespace, group, resource/subresource and name. */
class RequestAttributesTest {

  @ParameterizedTest(name = "{0}: {1} {2}")
  @CsvSource(delimiter = '|', value = {
      "an object read                   | GET    | /api/v1/namespaces/default/pods/mysql-0                 | get default  pods mysql-0",
      "a collection read                | GET    | /api/v1/namespaces/default/pods?limit=500                | list default  pods -",
      "a watch by query                 | GET    | /api/v1/pods?watch=true&resourceVersion=7               | watch -  pods -",
      "watch=false is a list            | GET    | /api/v1/pods?watch=false                                | list -  pods -",
      "the old watch path               | GET    | /api/v1/watch/namespaces/default/pods                   | watch default  pods -",
      "one object by field selector     | GET    | /api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb-1&watch=1 | watch default  pods web-1",
      "a subresource                    | POST   | /api/v1/namespaces/default/pods/mysql-0/eviction         | create default  pods/eviction mysql-0",
      "a grouped resource               | PATCH  | /apis/coordination.k8s.io/v1/namespaces/takeover/leases/takeover | patch takeover coordination.k8s.io leases takeover",
      "a cluster-scoped object          | PATCH  | /api/v1/nodes/kube-node02                               | patch -  nodes kube-node02",
      "a namespace is in itself         | GET    | /api/v1/namespaces/shop                                 | get shop  namespaces shop",
      "a namespace's status             | PUT    | /api/v1/namespaces/shop/status                          | update shop  namespaces/status shop",
      "a collection deleted             | DELETE | /api/v1/namespaces/default/pods?labelSelector=app%3Dweb | deletecollection default  pods -",
  })
  void resource_requests_are_read_as_the_api_server_reads_them(String what, String method, String path, String expected) {
    RequestAttributes a = RequestAttributes.of(method, path);
    String[] e = expected.split(" ");
    assertEquals(true, a.resourceRequest(), what);
    assertEquals(e[0], a.verb(), what);
    assertEquals(e[1].equals("-") ? "" : e[1], a.namespace(), what);
    assertEquals(e[2], a.apiGroup(), what);
    assertEquals(e[3], a.combinedResource(), what);
    assertEquals(e[4].equals("-") ? "" : e[4], a.name(), what);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"GET, /version", "GET, /api", "GET, /api/v1", "GET, /apis", "GET, /apis/apps/v1", "GET, /healthz",
      "POST, /metrics"})
  void discovery_and_other_paths_are_no_resource_requests(String method, String path) {
    RequestAttributes a = RequestAttributes.of(method, path);
    assertEquals(false, a.resourceRequest());
    assertEquals(method.toLowerCase(java.util.Locale.ROOT), a.verb());
    assertEquals(path, a.path());
  }
}
