package kubelet

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const (
	// AnnotationReadyAfter on a pod sets how long after its start the pod becomes Ready: a Go
	// duration such as "20s" or "0s", or "never" to keep it Running but not Ready. The Ready
	// condition's lastTransitionTime is then start plus that duration. Changing it on a running
	// pod takes effect at once: a Ready pod set to "never" turns unready, dated now; an unready
	// pod whose new delay has passed turns Ready, dated start plus the delay, or now if it last
	// turned unready after that.
	AnnotationReadyAfter = "kubelet.mhpa.dev/ready-after"
	// AnnotationStartedAgo on a pod backdates its status.startTime (and its containers'
	// startedAt) by a Go duration such as "5m", as if the pod had started that long before the
	// stand-in saw it. It is read once, when the pod starts.
	AnnotationStartedAgo = "kubelet.mhpa.dev/started-ago"

	// readyNever is the AnnotationReadyAfter value that keeps a pod unready.
	readyNever = "never"
)

// Timing is when a pod starts and becomes Ready, relative to the moment the stand-in starts it.
type Timing struct {
	// ReadyAfter is how long after the start (status.startTime) the pod becomes Ready.
	ReadyAfter time.Duration
	// NeverReady keeps the pod Running but not Ready; it overrides ReadyAfter.
	NeverReady bool
	// StartedAgo backdates the start: status.startTime is set this long before the moment
	// the stand-in starts the pod.
	StartedAgo time.Duration
}

// TimingFromAnnotations returns defaults overridden by the pod's AnnotationReadyAfter and
// AnnotationStartedAgo. An invalid annotation is an error naming the annotation, its value and
// what is allowed; defaults are returned with it.
func TimingFromAnnotations(pod *corev1.Pod, defaults Timing) (Timing, error) {
	t := defaults
	if v, ok := pod.Annotations[AnnotationReadyAfter]; ok {
		if v == readyNever {
			t.NeverReady = true
		} else {
			d, err := parseDuration(AnnotationReadyAfter, v, `or "never"`)
			if err != nil {
				return defaults, err
			}
			t.ReadyAfter, t.NeverReady = d, false
		}
	}
	if v, ok := pod.Annotations[AnnotationStartedAgo]; ok {
		d, err := parseDuration(AnnotationStartedAgo, v, "")
		if err != nil {
			return defaults, err
		}
		t.StartedAgo = d
	}
	return t, nil
}

func parseDuration(annotation, value, alternative string) (time.Duration, error) {
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 {
		allowed := `a non-negative Go duration such as "20s" or "5m"`
		if alternative != "" {
			allowed += " " + alternative
		}
		return 0, fmt.Errorf("metadata.annotations[%s]: invalid value %q: must be %s", annotation, value, allowed)
	}
	return d, nil
}
