package podsource

import (
	"fmt"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
)

// SelectorIndex keeps the pod selector of each HPA and tells which HPAs select given pods:
// the check behind upstream's AmbiguousSelector condition ("pods by selector ... are
// controlled by multiple HPAs"). It is safe for concurrent use.
//
// Like upstream, the controller sets an HPA's selector when a reconcile reads it from the
// target's scale, and deletes it when the HPA goes; an HPA not yet reconciled selects nothing.
//
// Each selector is filed under one label it requires (key=value, for each value of an "in"),
// so the HPAs that may select a pod are found by the pod's labels; only selectors that
// require no label value (e.g. only "exists" or "notin") are tried on every pod.
type SelectorIndex struct {
	mu         sync.RWMutex
	namespaces map[string]*namespaceSelectors
}

// namespaceSelectors are the selectors of the HPAs of one namespace.
type namespaceSelectors struct {
	byName map[string]filedSelector
	// anchored maps label key, then value, to the HPAs whose selector requires it.
	anchored map[string]map[string]map[string]struct{}
	// unanchored are the HPAs whose selector requires no label value.
	unanchored map[string]struct{}
}

// filedSelector is a selector and the label it is filed under.
type filedSelector struct {
	selector labels.Selector
	key      string
	// values are the values of key the selector is filed under; nil if unanchored.
	values []string
}

// NewSelectorIndex returns an empty SelectorIndex.
func NewSelectorIndex() *SelectorIndex {
	return &SelectorIndex{namespaces: map[string]*namespaceSelectors{}}
}

// Set records the pod selector of HPA namespace/name, replacing any earlier one. A nil
// selector or labels.Nothing() selects no pod, as for an HPA that was not reconciled yet.
func (x *SelectorIndex) Set(namespace, name string, selector labels.Selector) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ns := x.namespaces[namespace]
	if ns == nil {
		ns = &namespaceSelectors{
			byName:     map[string]filedSelector{},
			anchored:   map[string]map[string]map[string]struct{}{},
			unanchored: map[string]struct{}{},
		}
		x.namespaces[namespace] = ns
	}
	ns.remove(name)
	if selector == nil {
		return
	}
	if _, selectable := selector.Requirements(); !selectable {
		return
	}
	f := file(selector)
	ns.byName[name] = f
	if f.values == nil {
		ns.unanchored[name] = struct{}{}
		return
	}
	byValue := ns.anchored[f.key]
	if byValue == nil {
		byValue = map[string]map[string]struct{}{}
		ns.anchored[f.key] = byValue
	}
	for _, v := range f.values {
		names := byValue[v]
		if names == nil {
			names = map[string]struct{}{}
			byValue[v] = names
		}
		names[name] = struct{}{}
	}
}

// Delete forgets the selector of HPA namespace/name.
func (x *SelectorIndex) Delete(namespace, name string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ns := x.namespaces[namespace]
	if ns == nil {
		return
	}
	ns.remove(name)
	if len(ns.byName) == 0 {
		delete(x.namespaces, namespace)
	}
}

// file picks the label a selector is filed under: the first requirement (by key) that
// needs the label to have one of some values.
func file(selector labels.Selector) filedSelector {
	reqs, _ := selector.Requirements()
	for _, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			return filedSelector{selector: selector, key: r.Key(), values: r.ValuesUnsorted()}
		}
	}
	return filedSelector{selector: selector}
}

// remove forgets the selector of HPA name.
func (ns *namespaceSelectors) remove(name string) {
	f, ok := ns.byName[name]
	if !ok {
		return
	}
	delete(ns.byName, name)
	if f.values == nil {
		delete(ns.unanchored, name)
		return
	}
	byValue := ns.anchored[f.key]
	for _, v := range f.values {
		delete(byValue[v], name)
		if len(byValue[v]) == 0 {
			delete(byValue, v)
		}
	}
	if len(byValue) == 0 {
		delete(ns.anchored, f.key)
	}
}

// Selecting returns the names, sorted, of the HPAs of namespace whose selector matches at
// least one of pods (which are taken to be pods of namespace).
func (x *SelectorIndex) Selecting(namespace string, pods []*Pod) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ns := x.namespaces[namespace]
	if ns == nil || len(pods) == 0 {
		return nil
	}
	found := map[string]struct{}{}
	try := func(name string, set labels.Set) {
		if _, done := found[name]; done {
			return
		}
		if ns.byName[name].selector.Matches(set) {
			found[name] = struct{}{}
		}
	}
	for _, p := range pods {
		set := labels.Set(p.Labels)
		for k, v := range p.Labels {
			for name := range ns.anchored[k][v] {
				try(name, set)
			}
		}
		for name := range ns.unanchored {
			try(name, set)
		}
		if len(found) == len(ns.byName) {
			break
		}
	}
	names := make([]string, 0, len(found))
	for name := range found {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Check returns an *AmbiguousSelectorError if pods, the pods that an HPA's target selector
// (in its string form) lists in namespace, are selected by more than one HPA, and nil if not.
func (x *SelectorIndex) Check(namespace, selector string, pods []*Pod) error {
	names := x.Selecting(namespace, pods)
	if len(names) <= 1 {
		return nil
	}
	hpas := make([]types.NamespacedName, len(names))
	for i, n := range names {
		hpas[i] = types.NamespacedName{Namespace: namespace, Name: n}
	}
	return &AmbiguousSelectorError{Selector: selector, HPAs: hpas}
}

// AmbiguousSelectorError says that the pods of an HPA's target are selected by several HPAs.
type AmbiguousSelectorError struct {
	// Selector is the target's selector in its string form.
	Selector string
	// HPAs are the HPAs selecting the pods, sorted by name.
	HPAs []types.NamespacedName
}

// Error returns upstream's message, e.g. "pods by selector app=web are controlled by multiple
// HPAs: [ns/a ns/b]".
func (e *AmbiguousSelectorError) Error() string {
	return fmt.Sprintf("pods by selector %v are controlled by multiple HPAs: %v", e.Selector, e.HPAs)
}
