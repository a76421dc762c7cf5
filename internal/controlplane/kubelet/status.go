package kubelet

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// statusInput is what the status of a running pod is computed from.
type statusInput struct {
	// pod is the pod as last read; its status is the starting point.
	pod *corev1.Pod
	// hostIP and podIP are the addresses to report; podIP is used only if the pod has none yet.
	hostIP, podIP string
	// start is when the pod started (status.startTime, to the precision the stand-in knows it).
	start time.Time
	// readyAt is when the pod's containers become ready; zero means never.
	readyAt time.Time
	// now is the current time.
	now time.Time
}

// runningStatus returns the status a kubelet would report for the pod at in.now, and how long
// until that status next changes by itself (0 if it does not).
//
// Conditions keep their lastTransitionTime while their status does not change. A pod whose
// containers become ready has ContainersReady and Ready flip at readyAt (or when the pod last
// turned unready, if that was later), so a pod that started long ago is reported as having
// been Ready since then.
func runningStatus(in statusInput) (corev1.PodStatus, time.Duration) {
	status := *in.pod.Status.DeepCopy()
	start := metav1.NewTime(in.start).Rfc3339Copy()
	containersReady := !in.readyAt.IsZero() && !in.now.Before(in.readyAt)
	var requeue time.Duration
	if !in.readyAt.IsZero() && !containersReady {
		requeue = in.readyAt.Sub(in.now)
	}

	status.Phase = corev1.PodRunning
	if status.StartTime == nil {
		status.StartTime = &start
	}
	if status.HostIP == "" {
		status.HostIP = in.hostIP
		status.HostIPs = []corev1.HostIP{{IP: in.hostIP}}
	}
	if status.PodIP == "" {
		status.PodIP = in.podIP
		status.PodIPs = []corev1.PodIP{{IP: in.podIP}}
	}
	status.Message, status.Reason = "", ""

	// Init containers ran to completion at the start; sidecars (restartPolicy Always) run.
	initStatuses := make([]corev1.ContainerStatus, 0, len(in.pod.Spec.InitContainers))
	for _, c := range in.pod.Spec.InitContainers {
		cs := containerStatus(in.pod, c, start, containersReady)
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: start, FinishedAt: start, ContainerID: cs.ContainerID,
			}}
			cs.Ready, cs.Started = true, ptr.To(false)
		}
		initStatuses = append(initStatuses, cs)
	}
	status.InitContainerStatuses = nilIfEmpty(initStatuses)
	statuses := make([]corev1.ContainerStatus, 0, len(in.pod.Spec.Containers))
	for _, c := range in.pod.Spec.Containers {
		statuses = append(statuses, containerStatus(in.pod, c, start, containersReady))
	}
	status.ContainerStatuses = statuses

	// The Ready condition also waits for the pod's readiness gates, as the kubelet does.
	ready, readyReason := containersReady, "ContainersNotReady"
	for _, gate := range in.pod.Spec.ReadinessGates {
		if c := findCondition(status.Conditions, gate.ConditionType); ready && (c == nil || c.Status != corev1.ConditionTrue) {
			ready, readyReason = false, "ReadinessGatesNotReady"
		}
	}

	readyTransition := func(old *corev1.PodCondition, ok bool) metav1.Time {
		// A pod first seen unready is unready since its start; one that becomes ready does so
		// at readyAt, unless it last changed after that (then now); any other flip is now.
		switch {
		case old == nil && !ok:
			return start
		case ok && (old == nil || old.LastTransitionTime.Time.Before(in.readyAt.Truncate(time.Second))):
			return metav1.NewTime(in.readyAt).Rfc3339Copy()
		default:
			return metav1.NewTime(in.now).Rfc3339Copy()
		}
	}
	status.Conditions = setCondition(status.Conditions, corev1.PodReadyToStartContainers, true, "", start)
	status.Conditions = setCondition(status.Conditions, corev1.PodInitialized, true, "", start)
	status.Conditions = setConditionWith(status.Conditions, corev1.PodReady, ready, readyReason, readyTransition)
	status.Conditions = setConditionWith(status.Conditions, corev1.ContainersReady, containersReady, "ContainersNotReady", readyTransition)
	status.Conditions = setCondition(status.Conditions, corev1.PodScheduled, true, "", start)
	return status, requeue
}

func containerStatus(pod *corev1.Pod, c corev1.Container, start metav1.Time, ready bool) corev1.ContainerStatus {
	id := "mhpa-stand-in://" + string(pod.UID) + "-" + c.Name
	return corev1.ContainerStatus{
		Name:        c.Name,
		Image:       c.Image,
		ImageID:     c.Image,
		ContainerID: id,
		Ready:       ready,
		Started:     ptr.To(true),
		State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: start}},
	}
}

func nilIfEmpty(s []corev1.ContainerStatus) []corev1.ContainerStatus {
	if len(s) == 0 {
		return nil
	}
	return s
}

func findCondition(conds []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// setCondition sets a condition whose transition (if it changes) happens at the given time.
func setCondition(conds []corev1.PodCondition, t corev1.PodConditionType, ok bool, reason string, at metav1.Time) []corev1.PodCondition {
	return setConditionWith(conds, t, ok, reason, func(*corev1.PodCondition, bool) metav1.Time { return at })
}

// setConditionWith sets condition t to ok, keeping its lastTransitionTime if its status does
// not change, else taking it from transition (given the old condition, nil if none, and the
// new status). reason
// is used when the condition is false.
func setConditionWith(conds []corev1.PodCondition, t corev1.PodConditionType, ok bool, reason string,
	transition func(old *corev1.PodCondition, ok bool) metav1.Time) []corev1.PodCondition {
	want := corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}
	if !ok {
		want.Status, want.Reason = corev1.ConditionFalse, reason
	}
	old := findCondition(conds, t)
	if old == nil {
		want.LastTransitionTime = transition(nil, ok)
		return append(conds, want)
	}
	if old.Status == want.Status {
		want.LastTransitionTime = old.LastTransitionTime
	} else {
		want.LastTransitionTime = transition(old, ok)
	}
	want.LastProbeTime = old.LastProbeTime
	if ok {
		want.Message = ""
	}
	*old = want
	return conds
}
