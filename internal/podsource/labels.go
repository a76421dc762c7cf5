package podsource

import "k8s.io/apimachinery/pkg/labels"

// Labels returns the labels of pod namespace/name from the cache, and whether the pod is
// known. The metrics layer uses it to pick an autoscaler's pods out of a namespace's
// PodMetrics.
func (s *Source) Labels(namespace, name string) (labels.Set, bool) {
	obj, ok, err := s.informer.GetIndexer().GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return nil, false
	}
	p, ok := obj.(*Pod)
	if !ok {
		return nil, false
	}
	return labels.Set(p.Labels), true
}
