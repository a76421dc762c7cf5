// Package kubelet is a stand-in for the kubelet on a local control plane that has none.
//
// A StandIn registers one Node (Ready, with allocatable cpu, memory and pods) and plays the
// scheduler and the kubelet for every pod: it binds unscheduled pods to its node, then reports
// them Running with a start time, running containers and the PodScheduled, Initialized,
// ContainersReady and Ready conditions, the way a kubelet does. Pods that are being deleted are
// deleted at once (grace period 0), since no container has to stop.
//
// When a pod becomes Ready is up to the test: a default delay in Options, annotations on the
// pod (AnnotationReadyAfter, AnnotationStartedAgo) or a Go hook (Options.TimingFunc). This is
// what lets tests exercise the HPA rules that read status.startTime and the Ready condition's
// lastTransitionTime (CPU initialization period, initial readiness delay). Times come from an
// injected clock.
package kubelet
