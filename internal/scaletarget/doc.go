// Package scaletarget reads and writes the scale of the target of an HPA: any object with a
// /scale subresource named by the HPA's spec.scaleTargetRef.
//
// The upstream HPA controller GETs the /scale subresource on every reconcile. At 10,000 HPAs
// that alone is 10,000 API requests per sync, so a Client serves reads from informer caches
// and goes to the API server only where it must:
//
//   - apps/v1 Deployment, ReplicaSet and StatefulSet and core/v1 ReplicationController are read
//     from typed informers whose transform keeps only name, namespace, uid, resourceVersion,
//     spec and status replicas and the selector (already rendered as the string the /scale
//     subresource reports), about a hundred bytes per object.
//   - A custom resource whose CustomResourceDefinition declares a scale subresource is read
//     from a dynamic informer; the CRD (itself watched by an informer) says where in the
//     object the replicas and the selector live (specReplicasPath, statusReplicasPath,
//     labelSelectorPath), and the transform reads them the way the API server does.
//   - Everything else (aggregated API resources with a scale subresource, built-in kinds
//     without cache support) is read with a GET of /scale, as upstream does. So is a
//     resource whose informer has not synced yet, and an object the cache cannot render
//     as a Scale (the API server then says why), and any resource listed in
//     Options.Uncached. Each such GET counts in the
//     mhpa_scale_fallback_reads_total counter.
//
// Informers start lazily, the first time an HPA targets a resource, and watch that resource
// in all namespaces.
//
// Errors use upstream's words, since the controller reports them as FailedGetScale events
// and conditions: the text of schema.ParseGroupVersion for a bad apiVersion, the
// RESTMapper's "no matches for kind ..." for an unknown kind, and the API server's NotFound
// ("deployments.apps \"web\" not found") for a missing target or a custom resource without a
// scale subresource. A NotFound answered from a synced cache costs no request; the change
// handlers report the target when it appears.
//
// # Writes
//
// SetReplicas sends one merge patch {"spec":{"replicas":N}} to the /scale subresource. The
// API server applies a patch without a resourceVersion to the object as it is at that
// moment, retrying internally, so it does not fail with a conflict; SetReplicas still
// retries on conflict in case a server does.
//
// The cache lags the API server by the time a watch event takes to arrive, so a Get right
// after SetReplicas could return the replicas from before the write. The Client keeps the
// Scale each write returned (an overlay) and returns it from Get until the cache shows that
// write or a newer version of the object (compared by resourceVersion), the object is
// replaced (another uid), or OverlayTTL passes. The controller therefore needs no memory of
// its own writes: Get after SetReplicas returns what was written (Source SourceWritten).
//
// # Change notification
//
// AddHandler registers a function called with the Target (namespace, GroupResource, name)
// whenever a cached target appears, disappears, or changes its spec replicas, status
// replicas, selector or uid, including the change that a SetReplicas write itself causes. The
// controller maps the Target to the HPAs that scale it and enqueues them. Targets read
// through the API fallback do not notify.
//
// # Permissions
//
// The controller's service account needs get and patch on the scale subresources it targets
// (e.g. */scale), and list and watch on the resources cached here: deployments, replicasets
// and statefulsets in apps, replicationcontrollers, customresourcedefinitions, and the custom
// resources that HPAs target. Without list and watch on a resource, its informer never
// syncs and its reads go on falling back to GETs (reason not_synced), as upstream reads.
//
// # Requests in steady state
//
// With the informers synced, Get makes no API request. Discovery (for the RESTMapper) is
// fetched once and again only after a CustomResourceDefinition changes or, at most once per
// RediscoveryInterval, when a kind is not found.
package scaletarget
