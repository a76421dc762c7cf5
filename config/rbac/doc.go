// Package rbac holds the RBAC manifests of mhpa-controller: its service account, the
// aggregated ClusterRole mhpa-controller with its base rules, the namespaced Role for leader
// election and the certificate Secret, the ClusterRoles that let namespace admins, editors and
// viewers work with autoscalers, and the component builtin-hpas for --builtin-hpas. The
// package has no code; its tests check the manifests (no wildcard over API groups anywhere
// under config/, every permission the controller needs and none it does not).
package rbac
