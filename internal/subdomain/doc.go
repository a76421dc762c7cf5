// Package subdomain generates the manifests that onboard a metrics subdomain S: what a cluster
// admin applies when a tenant's metrics server starts serving S.metrics.k8s.io,
// S.custom.metrics.k8s.io or S.external.metrics.k8s.io.
//
// For the metrics APIs asked for, Generate returns:
//
//   - the ClusterRole mhpa-subdomain-S-controller, labelled
//     autoscaling.mhpa.dev/aggregate-to-controller: "true", so that the aggregated ClusterRole of
//     mhpa-controller gains get and list on exactly those groups and no other;
//   - the Service in front of the tenant's metrics server (ClusterIP selecting its pods, or
//     ExternalName for a server outside the cluster network) and one APIService per group
//     version (custom metrics: v1beta2 preferred, and v1beta1), unless only RBAC is asked for;
//   - the ClusterRole mhpa-subdomain-S-use, granting verb "use" on
//     metricsubdomains.autoscaling.mhpa.dev named S, which the validating webhook requires of
//     whoever points an autoscaler at S, and, given a namespace and subjects, a RoleBinding that
//     grants it in that namespace;
//   - optionally, the bindings the metrics server's own service account needs to authenticate
//     and authorize its callers through the API server (system:auth-delegator and
//     extension-apiserver-authentication-reader).
//
// No rule names a wildcard API group. NewCommand wraps Generate as a command that prints YAML,
// for the mhpa-subdomain binary and the kubectl plugin.
package subdomain
