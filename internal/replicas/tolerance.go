package replicas

import "strconv"

// DefaultTolerance is the cluster-wide tolerance upstream uses by default
// (--horizontal-pod-autoscaler-tolerance): a usage ratio within 10% of 1 changes nothing.
const DefaultTolerance = 0.1

// Tolerances are how far the usage ratio may be below or above 1 before a metric proposes a
// different replica count.
type Tolerances struct {
	// ScaleDown is the tolerance below 1: ratios from 1-ScaleDown up keep the count.
	ScaleDown float64
	// ScaleUp is the tolerance above 1: ratios up to 1+ScaleUp keep the count.
	ScaleUp float64
}

// Uniform returns the same tolerance in both directions.
func Uniform(t float64) Tolerances {
	return Tolerances{ScaleDown: t, ScaleUp: t}
}

// Within reports whether a usage ratio is close enough to 1 to keep the current count.
// A NaN ratio is never within.
func (t Tolerances) Within(ratio float64) bool {
	return 1-t.ScaleDown <= ratio && ratio <= 1+t.ScaleUp
}

// String formats the tolerances as percentages, for example "[down:10.0%, up:10.0%]".
func (t Tolerances) String() string {
	return "[down:" + strconv.FormatFloat(t.ScaleDown*100, 'f', 1, 64) +
		"%, up:" + strconv.FormatFloat(t.ScaleUp*100, 'f', 1, 64) + "%]"
}
