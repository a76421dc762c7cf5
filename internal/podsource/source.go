package podsource

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// Index names of the pod informer.
const (
	// NamespaceIndex indexes pods by namespace.
	NamespaceIndex = cache.NamespaceIndex
	// LabelIndex indexes pods by each of their labels, as LabelIndexValue(namespace, key, value).
	LabelIndex = "namespace-label"
)

// smallCandidates is a candidate list short enough that List stops looking for a shorter one.
const smallCandidates = 64

// Options configure a Source.
type Options struct {
	// Client lists and watches pods; protobuf is the cheaper encoding (NewForConfig sets it).
	Client kubernetes.Interface
	// Namespace restricts the cache to one namespace; all namespaces if empty.
	Namespace string
}

// Source lists pods by namespace and label selector from a transformed pod informer. It is
// safe for concurrent use.
type Source struct {
	informer cache.SharedIndexInformer
	started  atomic.Bool
}

// New returns a Source. Its informer runs once Start is called.
func New(opts Options) (*Source, error) {
	if opts.Client == nil {
		return nil, errors.New("podsource: options.Client is nil; a kubernetes client is required")
	}
	inf := coreinformers.NewPodInformer(opts.Client, opts.Namespace, 0, cache.Indexers{
		NamespaceIndex: cache.MetaNamespaceIndexFunc,
		LabelIndex:     labelIndexFunc,
	})
	if err := inf.SetTransform(transform); err != nil {
		return nil, fmt.Errorf("podsource: setting the transform: %w", err)
	}
	return &Source{informer: inf}, nil
}

// NewForConfig returns a Source whose client, built from cfg, speaks protobuf.
func NewForConfig(cfg *rest.Config, opts Options) (*Source, error) {
	if cfg == nil {
		return nil, errors.New("podsource: rest config is nil; a config of the cluster is required")
	}
	cfg = rest.CopyConfig(cfg)
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("podsource: kubernetes client: %w", err)
	}
	opts.Client = cs
	return New(opts)
}

// Start runs the informer until ctx is done, then returns nil. It fits controller-runtime's
// manager.Runnable.
func (s *Source) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("podsource: Start called twice")
	}
	s.informer.RunWithContext(ctx)
	return nil
}

// NeedLeaderElection returns false: the cache is worth keeping warm on standby replicas.
func (s *Source) NeedLeaderElection() bool { return false }

// HasSynced reports whether the informer has listed all pods once.
func (s *Source) HasSynced() bool { return s.informer.HasSynced() }

// WaitForCacheSync waits until the informer has synced or ctx is done, and reports which.
func (s *Source) WaitForCacheSync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), s.informer.HasSynced)
}

// Informer returns the pod informer, e.g. to add event handlers. Its objects are *Pod.
func (s *Source) Informer() cache.SharedIndexInformer { return s.informer }

// List returns the pods of namespace that selector matches, in no particular order. A nil or
// empty selector matches every pod of the namespace; labels.Nothing() matches none.
//
// When the selector requires a label to have a value (=, ==, in), List reads only the pods
// with that label value, taking the requirement with the fewest such pods.
func (s *Source) List(namespace string, selector labels.Selector) []*Pod {
	idx := s.informer.GetIndexer()
	if selector == nil || selector.Empty() {
		objs, _ := idx.ByIndex(NamespaceIndex, namespace)
		return toPods(objs, nil)
	}
	reqs, selectable := selector.Requirements()
	if !selectable {
		return nil
	}
	var candidates []any
	found := false
	for _, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
		default:
			continue
		}
		var objs []any
		for v := range r.Values() {
			o, _ := idx.ByIndex(LabelIndex, LabelIndexValue(namespace, r.Key(), v))
			if objs == nil {
				objs = o
			} else {
				objs = append(objs, o...)
			}
		}
		if !found || len(objs) < len(candidates) {
			candidates, found = objs, true
		}
		if len(candidates) <= smallCandidates {
			break
		}
	}
	if !found {
		candidates, _ = idx.ByIndex(NamespaceIndex, namespace)
	}
	return toPods(candidates, selector)
}

// toPods returns the Pods among objs that selector matches (all if selector is nil).
func toPods(objs []any, selector labels.Selector) []*Pod {
	out := make([]*Pod, 0, len(objs))
	for _, o := range objs {
		p, ok := o.(*Pod)
		if !ok {
			continue
		}
		if selector == nil || selector.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out
}

// LabelIndexValue is the LabelIndex value of pods of namespace with label key=value.
func LabelIndexValue(namespace, key, value string) string {
	// NUL separates the parts: it occurs in no namespace, label key or label value.
	return namespace + "\x00" + key + "\x00" + value
}

// labelIndexFunc indexes a Pod by each of its labels.
func labelIndexFunc(obj any) ([]string, error) {
	p, ok := obj.(*Pod)
	if !ok {
		m, err := metaAccessor(obj)
		if err != nil {
			return nil, err
		}
		p = &Pod{Namespace: m.GetNamespace(), Labels: m.GetLabels()}
	}
	out := make([]string, 0, len(p.Labels))
	for k, v := range p.Labels {
		out = append(out, LabelIndexValue(p.Namespace, k, v))
	}
	return out, nil
}

// metaAccessor reads the metadata of any object the indexer may be handed.
func metaAccessor(obj any) (metav1.Object, error) {
	switch o := obj.(type) {
	case metav1.Object:
		return o, nil
	case metav1.ObjectMetaAccessor:
		return o.GetObjectMeta(), nil
	}
	return nil, fmt.Errorf("pod cache: object %T has no metadata", obj)
}
