// Package adapter is a kit for writing metrics API servers that serve the
// shapes of metrics.k8s.io (PodMetrics, NodeMetrics), custom.metrics.k8s.io
// (v1beta2 and v1beta1) and external.metrics.k8s.io (v1beta1) under any API
// group name — the default ones, or subdomains such as
// tenant-a.external.metrics.k8s.io — several groups per server.
//
// A Server is an ordinary aggregated API server built on k8s.io/apiserver:
// TLS (a self-signed certificate is generated when none is given), delegated
// authentication (front-proxy request headers from the aggregator, client
// certificates, TokenReview for bearer tokens) and delegated authorization
// (SubjectAccessReview), request timeouts, and discovery in both the
// aggregated (apidiscovery.k8s.io/v2) and legacy forms, kept in step with the
// metric names the providers list. Objects are the k8s.io/metrics types with
// apiVersion set to the served group and version.
//
// A metrics backend implements one provider interface per shape:
// PodMetricsProvider and NodeMetricsProvider, CustomMetricsProvider,
// ExternalMetricsProvider. Providers return the internal k8s.io/metrics types
// (k8s.io/metrics/pkg/apis/{metrics,custom_metrics,external_metrics}); the
// server converts them to the requested version. A provider signals a
// missing metric with a NotFound status error (NewMetricNotFoundError and
// friends, or any apierrors NotFound), which the client receives as a 404;
// any error without a status becomes a 500; a provider that is still busy
// when the request's context ends (client timeout or Config.RequestTimeout)
// is answered with 504 Gateway Timeout.
//
//	srv, err := adapter.New(ctx, adapter.Config{
//		Groups: []adapter.Group{
//			{Name: "tenant-a.external.metrics.k8s.io", ExternalMetrics: myExternal},
//			{Name: "tenant-a.custom.metrics.k8s.io", CustomMetrics: myCustom},
//		},
//		BindAddress: "0.0.0.0",
//		Port:        6443,
//		Hostnames:   adapter.ServiceHostnames("monitoring", "tenant-a-metrics"),
//	})
//	...
//	err = srv.Run(ctx)
//
// Register creates the Service and the APIServices for a server and waits
// until the aggregator reports them available: an ExternalName Service for a
// server on the kube-apiserver's host (tests, demos), a ClusterIP Service in
// a cluster.
//
// # Adopting the kit in a custom-metrics-apiserver adapter
//
// CustomMetricsProvider and ExternalMetricsProvider mirror the interfaces of
// sigs.k8s.io/custom-metrics-apiserver/pkg/provider, with the same
// CustomMetricInfo and ExternalMetricInfo fields and the same internal
// types. To move an adapter over:
//
//  1. Replace the imports of custom-metrics-apiserver's provider package by
//     this package (provider.CustomMetricInfo becomes adapter.CustomMetricInfo,
//     provider.NewMetricNotFoundError becomes adapter.NewMetricNotFoundError,
//     and so on).
//  2. Add a ctx context.Context parameter to ListAllMetrics and
//     ListAllExternalMetrics.
//  3. Replace the cmd.AdapterBase setup (WithCustomMetrics,
//     WithExternalMetrics, Run) by a Config listing one Group per API group,
//     New and Run; flags for the serving certificate map to Config.CertPEM and
//     Config.KeyPEM, the authentication kubeconfig to Config.KubeConfig.
//  4. Serve under any group: set Group.Name, e.g. to
//     "tenant-a.external.metrics.k8s.io", and register the APIServices for it.
//
// The REST mapper of custom-metrics-apiserver is not needed: requests name
// the resource as the client wrote it ("pods", "deployments.apps") and the
// provider receives it as CustomMetricInfo.GroupResource.
//
// # Clients
//
// The stock k8s.io/metrics clients decode only the default group names. For
// another group, RESTClientFor returns a REST client whose scheme knows the
// types under that group (AddToScheme); the external metrics client of
// k8s.io/metrics works on top of it (external_metrics.New), and for
// PodMetrics, NodeMetrics and custom metrics use the REST client directly
// with metav1.ParameterCodec (the typed clients of k8s.io/metrics encode
// their options with a scheme that knows only the default groups).
//
// # Authorization
//
// The requests a client makes map to these RBAC attributes (the same as for
// custom-metrics-apiserver and metrics-server): a custom metric of objects,
// .../namespaces/ns/pods/*/rps, is verb get on resource pods, subresource
// rps, name *; an external metric, .../namespaces/ns/queue_length, is verb
// list on resource queue_length; PodMetrics lists are verb list on pods.
// Grant get and list on resources "*" of the group to let a user read all
// of it.
package adapter
