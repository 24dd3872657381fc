/**
 * A simulated Kubernetes cluster for tests and the demo (test scope only; never in the production jar).
 *
 * <p>Public face: {@link dev.takeover.sim.SimulatedCluster} ({@code builder().timing(..).port(..).controllers(..)
 * .requestHook(..).watchHistory(..).watchBookmarkInterval(..).start()}, {@code client()}, {@code masterUrl()},
 * {@code writeKubeconfig(Path)}, {@code scenario()}, {@code stopNode/startNode}, {@code awaitSettled(Duration)},
 * {@code watchFaults()}, {@code compactWatchHistory()}, {@code requestLog()}), {@link dev.takeover.sim.SimTiming}
 * ({@code fast()}, {@code realistic()}), {@link dev.takeover.sim.Seed#cluster(SimTiming)} (the recorded seed cluster),
 * {@link dev.takeover.sim.scenario.Scenario} (a starting state in a few lines, with initial placements),
 * {@link dev.takeover.sim.RequestHook} (for the kubectl facade) and {@link dev.takeover.sim.api.WatchFaults}.
 *
 * <p>Layers: {@code api} is the API server (fabric8's CRUD mock with field selectors indexed, plus eviction,
 * binding, graceful pod deletion, create-time defaults, strategic merge patches of maps, and its own watches);
 * {@code controllers} are the StatefulSet, Deployment/ReplicaSet, DaemonSet, scheduler, kubelet, PV binder,
 * disruption, node lifecycle, node lease, pod GC, attach-detach (CSI VolumeAttachments) and garbage collector behaviours, each reading and writing through a fabric8
 * client so that every change reaches watches; {@code scenario} builds starting states; {@code model} holds the small
 * questions about pods, selectors and taints they share. Reference: shared/k8s-api (a real v1.32 server's answers),
 * copied where tests compare with it into src/test/resources/sim.
 *
 * <p>Identity: the simulator authenticates nobody, and a request is its administrator's, allowed everything, unless
 * it carries {@code Impersonate-User} (and optionally {@code Impersonate-Group}): then it is authorized as
 * kube-apiserver's RBAC authorizer does, over the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
 * (groups {@code system:serviceaccounts[:NS]} for a ServiceAccount, {@code system:authenticated}; built-in
 * system:discovery, system:public-info-viewer, system:basic-user and cluster-admin; {@code system:masters} allowed
 * everything), and a denial is the v1.32 403 Status ({@code api.Impersonation}). Not modelled: who may impersonate
 * (the administrator may), aggregated ClusterRoles, SelfSubjectAccessReview ({@code kubectl auth can-i}).
 *
 * <p>Watches are served as the v1.32 API server's watch cache serves them, not by the mock (which ignored
 * resourceVersion). Every change of the store (create, update, patch, delete, and the server's own writes) is kept
 * in a log of the last {@code watchHistory} changes (default 10,000); a deletion is a change of its own, with a new
 * resourceVersion. Every list answers the store's current resourceVersion. A {@code GET COLLECTION?watch=true} (or
 * {@code watch=1}) asking for a websocket upgrade, as fabric8 watches, is served one event per text message,
 * {@code {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}}:
 * <ul>
 *   <li>selection: the collection (cluster-wide or one namespace, any group), {@code fieldSelector}
 *   ({@code metadata.name}, {@code metadata.namespace}, the indexed pod, event and node fields; {@code =}, {@code ==},
 *   {@code !=}) and {@code labelSelector} ({@code k=v}, {@code k!=v}, {@code k}, {@code !k}; not {@code in}/{@code
 *   notin}), matched as the mock matches a list's. A change is MODIFIED when the old and the new state match, ADDED
 *   when only the new one does (a pod bound to the watched node), DELETED when only the old one did: the object as it
 *   was, with the change's new resourceVersion (so for a deletion too);</li>
 *   <li>{@code resourceVersion} absent, "" or "0": ADDED for every object that matches now, then the changes;
 *   N: every change after N, then the live ones, in order, none twice or missed (replay and subscription happen
 *   under the store's lock); N older than the kept history ({@code compactWatchHistory()} drops it all): one ERROR
 *   {@code 410 Expired "too old resource version: N (M)"} (M the oldest version still watchable), then the end;
 *   N not reached yet: nothing until the store gets past it;</li>
 *   <li>{@code sendInitialEvents=true&resourceVersionMatch=NotOlderThan}: ADDED for what matches now, then, with
 *   {@code allowWatchBookmarks=true}, a BOOKMARK annotated {@code k8s.io/initial-events-end: "true"} at the current
 *   version, then the changes; sendInitialEvents without resourceVersionMatch=NotOlderThan, or resourceVersionMatch
 *   without sendInitialEvents, is refused with the server's 422 Invalid Status;</li>
 *   <li>{@code allowWatchBookmarks=true}: a BOOKMARK (the kind and metadata.resourceVersion only) every
 *   {@code watchBookmarkInterval} (default 1 minute) and 2 s before the {@code timeoutSeconds} deadline, each only
 *   once the store has moved past the watch's starting version (as a real watcher);</li>
 *   <li>{@code timeoutSeconds=T}: the server ends the watch after T s with a normal close (1000); without it the watch
 *   lasts until a side closes it (a real server picks 30 to 60 minutes).</li>
 * </ul>
 * Not modelled: HTTP streaming watches (kubectl get -w) are answered 406, since the mock cannot stream a response
 * body; a consistent read that waits for a fresher version ("Too large resource version"); a slow client being
 * dropped. A watch never blocks the mock's event loop: changes are queued under the store's lock and sent from the
 * event loop of the watch's connection, so a client may close a watch at any time.
 *
 * <p>Watch faults, off by default, switched at any time through {@code watchFaults()} (optionally {@code
 * onlyFor("pods")}, and {@code clear()}): {@code noResourceVersionFails} (a watch without resourceVersion gets the
 * 500 ERROR event of a v1.32 server on etcd older than 3.5.13, then the end: applies to watches opened after the
 * switch), {@code cutAfterEvents(n)} and {@code cutAfter(Duration)} (the TCP connection is closed with no ERROR event
 * and no close frame; fabric8's client reports "WebSocket connection closed unexpectedly"), {@code silent} (accepted,
 * then nothing, ever, not even at the timeout). The cuts and silence also reach watches already open, counted from
 * the switch; a watch that fell silent stays so. {@code requestLog()} lists the last 2,000 requests ("METHOD
 * PATH?QUERY"), so that tests can check what a client's watches asked for.
 */
package dev.takeover.sim;
