package dedupe

import (
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// podIndex holds the PodMetrics of one namespace with the labels of their
// pods, indexed by label key and value, so that a selector with an equality
// or set-membership requirement (what HPA selectors nearly always have)
// picks its pods without scanning the whole namespace: with thousands of
// HPAs in one namespace a scan per HPA would cost pods × HPAs per sync.
type podIndex struct {
	items   []metricsv1beta1.PodMetrics
	labels  []labels.Set
	byLabel map[string]map[string][]int // key -> value -> positions in items
}

// newPodIndex indexes items. Labels come from podLabels when set (pods it
// does not know are left out), else from the PodMetrics themselves.
func newPodIndex(namespace string, items []metricsv1beta1.PodMetrics, podLabels func(namespace, name string) (labels.Set, bool)) *podIndex {
	ix := &podIndex{
		items:   make([]metricsv1beta1.PodMetrics, 0, len(items)),
		labels:  make([]labels.Set, 0, len(items)),
		byLabel: map[string]map[string][]int{},
	}
	for i := range items {
		l := labels.Set(items[i].Labels)
		if podLabels != nil {
			known, ok := podLabels(namespace, items[i].Name)
			if !ok {
				continue
			}
			l = known
		}
		pos := len(ix.items)
		ix.items = append(ix.items, items[i])
		ix.labels = append(ix.labels, l)
		for k, v := range l {
			byValue := ix.byLabel[k]
			if byValue == nil {
				byValue = map[string][]int{}
				ix.byLabel[k] = byValue
			}
			byValue[v] = append(byValue[v], pos)
		}
	}
	return ix
}

// pick returns the PodMetrics of the pods sel matches, in list order.
func (ix *podIndex) pick(sel labels.Selector) []metricsv1beta1.PodMetrics {
	reqs, selectable := sel.Requirements()
	if !selectable {
		return nil
	}
	// Narrow down by the equality or set-membership requirement with the
	// fewest pods; the full selector is checked on those only.
	var narrowest *labels.Requirement
	fewest := 0
	for i := range reqs {
		switch reqs[i].Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
		default:
			continue
		}
		n := 0
		byValue := ix.byLabel[reqs[i].Key()]
		for v := range reqs[i].Values() {
			n += len(byValue[v])
		}
		if narrowest == nil || n < fewest {
			narrowest, fewest = &reqs[i], n
		}
	}
	narrowed := narrowest != nil
	var candidates []int
	if narrowed {
		byValue := ix.byLabel[narrowest.Key()]
		candidates = make([]int, 0, fewest)
		for v := range narrowest.Values() {
			candidates = append(candidates, byValue[v]...)
		}
	}
	var out []metricsv1beta1.PodMetrics
	if !narrowed {
		for i := range ix.items {
			if sel.Matches(ix.labels[i]) {
				out = append(out, ix.items[i])
			}
		}
		return out
	}
	slices.Sort(candidates) // a pod has one value per key: no duplicates
	for _, i := range candidates {
		if sel.Matches(ix.labels[i]) {
			out = append(out, ix.items[i])
		}
	}
	return out
}
