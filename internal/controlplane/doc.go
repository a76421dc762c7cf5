// Package controlplane runs a real, local Kubernetes control plane for integration tests, end
// to end tests, benchmarks and the demo: etcd, kube-apiserver and, on request,
// kube-controller-manager as child processes bound to 127.0.0.1, plus an in-process kubelet
// stand-in (package kubelet).
//
// The binaries are built once by hack/controlplane/build.sh (`make controlplane`) into a cache
// outside the checkout; see Options.BinDir. Start generates the certificates and keys, picks
// free loopback ports, starts the processes and waits until each is ready. The API server is
// set up as a real cluster's is in the parts mhpa relies on:
//
//   - authentication by client certificates (a client CA), a static token file with users
//     and groups, and service account tokens (issuer and signing keys);
//   - RBAC authorization (only "admin", in system:masters, may do everything at first);
//   - the aggregation layer (front-proxy CA, request-header flags and a proxy client
//     certificate), so an APIService backed by a Service of type ExternalName with
//     externalName "localhost" reaches a server on https://localhost:<port> (the port is
//     the APIService's spec.service.port). With a caBundle, that server's certificate must
//     name <service>.<namespace>.svc: the aggregator checks that name, not "localhost";
//   - admission webhooks on https://localhost:<port> with a caBundle.
//
// kube-controller-manager, when asked for, runs only the controllers that Deployments need
// (deployment, replicaset, garbage collector), those that let pods be admitted and namespaces
// go away (service account, root CA publisher, namespace), and the one that fills in the
// rules of the aggregated ClusterRoles (admin, edit, view). No built-in HPA controller runs.
// Without kube-controller-manager the aggregated ClusterRoles stay empty, so tests that grant
// RBAC there use Roles with explicit rules.
//
// Process output goes to files under Dir()/logs; each process is put in its own process
// group, killed with it on Stop, and on Linux also killed when the parent process dies.
package controlplane
