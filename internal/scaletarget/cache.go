package scaletarget

import (
	"context"
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsinformers "k8s.io/apiextensions-apiserver/pkg/client/informers/externalversions/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// cacheState says how a resource's scale can be read.
type cacheState int

const (
	// cacheReady: from the synced informer of the resource.
	cacheReady cacheState = iota
	// cachePending: the informer (of the resource or of CRDs) has not synced; read the API.
	cachePending
	// cacheNoScale: the resource is a custom resource whose CRD declares no scale subresource
	// in the served version; every object is "not found", as the API server says.
	cacheNoScale
	// cacheUnsupported: no cache can serve the resource; read the API.
	cacheUnsupported
)

// builtin makes the typed informer of a built-in resource and its transform.
type builtin struct {
	informer  func(kubernetes.Interface) cache.SharedIndexInformer
	transform cache.TransformFunc
}

// builtins are the built-in resources with a scale subresource that are read from caches.
var builtins = map[schema.GroupResource]builtin{
	{Group: "apps", Resource: "deployments"}: {
		informer: func(k kubernetes.Interface) cache.SharedIndexInformer {
			return appsinformers.NewDeploymentInformer(k, metav1.NamespaceAll, 0, nil)
		},
		transform: transformDeployment,
	},
	{Group: "apps", Resource: "replicasets"}: {
		informer: func(k kubernetes.Interface) cache.SharedIndexInformer {
			return appsinformers.NewReplicaSetInformer(k, metav1.NamespaceAll, 0, nil)
		},
		transform: transformReplicaSet,
	},
	{Group: "apps", Resource: "statefulsets"}: {
		informer: func(k kubernetes.Interface) cache.SharedIndexInformer {
			return appsinformers.NewStatefulSetInformer(k, metav1.NamespaceAll, 0, nil)
		},
		transform: transformStatefulSet,
	},
	{Group: "", Resource: "replicationcontrollers"}: {
		informer: func(k kubernetes.Interface) cache.SharedIndexInformer {
			return coreinformers.NewReplicationControllerInformer(k, metav1.NamespaceAll, 0, nil)
		},
		transform: transformReplicationController,
	},
}

// cacheFor returns the informer of gr, creating and starting it the first time, and how the
// resource can be read now. version is the version the RESTMapper prefers for gr.
func (c *Client) cacheFor(gr schema.GroupResource, version string) (*resourceCache, cacheState) {
	if c.uncached[gr] {
		return nil, cacheUnsupported
	}
	c.mu.RLock()
	rc := c.resources[gr]
	c.mu.RUnlock()
	if rc != nil {
		return rc, syncState(rc)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if rc := c.resources[gr]; rc != nil {
		return rc, syncState(rc)
	}
	if b, ok := builtins[gr]; ok {
		inf := b.informer(c.clients.Kubernetes)
		if err := inf.SetTransform(b.transform); err != nil {
			return nil, cacheUnsupported
		}
		rc := &resourceCache{informer: inf}
		c.addLocked(gr, rc)
		return rc, syncState(rc)
	}

	crds := c.crdInformerLocked()
	if !crds.informer.HasSynced() {
		return nil, cachePending
	}
	obj, ok, err := crds.informer.GetIndexer().GetByKey(crdName(gr))
	if err != nil || !ok {
		return nil, cacheUnsupported
	}
	info := obj.(*crdInfo)
	v, ok := info.versions[version]
	if !ok {
		// The RESTMapper and the CRD cache disagree for a moment; the API knows.
		return nil, cacheUnsupported
	}
	if v == nil {
		return nil, cacheNoScale
	}
	gvr := gr.WithVersion(version)
	inf := dynamicinformer.NewFilteredDynamicInformer(c.clients.Dynamic, gvr, metav1.NamespaceAll, 0, nil, nil).Informer()
	if err := inf.SetTransform(v.transform); err != nil {
		return nil, cacheUnsupported
	}
	rc = &resourceCache{informer: inf, version: version, paths: v}
	c.addLocked(gr, rc)
	return rc, syncState(rc)
}

// syncState is cacheReady once rc has synced and cachePending before.
func syncState(rc *resourceCache) cacheState {
	if rc.informer.HasSynced() {
		return cacheReady
	}
	return cachePending
}

// addLocked registers the informer of gr, wires its change notifications and starts it if
// Start was called.
func (c *Client) addLocked(gr schema.GroupResource, rc *resourceCache) {
	_, _ = rc.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if e, ok := obj.(*entry); ok {
				c.notify(Target{Namespace: e.namespace, GroupResource: gr, Name: e.name})
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := oldObj.(*entry)
			n, ok2 := newObj.(*entry)
			if ok1 && ok2 && !o.sameScale(n) {
				c.notify(Target{Namespace: n.namespace, GroupResource: gr, Name: n.name})
			}
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if e, ok := obj.(*entry); ok {
				c.notify(Target{Namespace: e.namespace, GroupResource: gr, Name: e.name})
			}
		},
	})
	c.resources[gr] = rc
	c.startLocked(rc)
}

// startLocked runs rc's informer under the context of Start, if Start was called.
func (c *Client) startLocked(rc *resourceCache) {
	if c.ctx == nil || rc.started {
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	rc.cancel, rc.started = cancel, true
	go rc.informer.RunWithContext(ctx)
}

// removeLocked stops and forgets the informer of gr, if any.
func (c *Client) removeLocked(gr schema.GroupResource) {
	rc := c.resources[gr]
	if rc == nil {
		return
	}
	if rc.cancel != nil {
		rc.cancel()
	}
	delete(c.resources, gr)
}

// crdInfo is what the CRD cache keeps of a CustomResourceDefinition.
type crdInfo struct {
	meta entry
	// versions maps each served version to the paths of its scale subresource, nil for a
	// version without one.
	versions map[string]*scalePaths
}

// GetObjectMeta lets the informer key crdInfos by name.
func (i *crdInfo) GetObjectMeta() metav1.Object { return (*entryMeta)(&i.meta) }

// equal reports whether two CRDs serve the same versions with the same scale paths.
func (i *crdInfo) equal(o *crdInfo) bool {
	if len(i.versions) != len(o.versions) {
		return false
	}
	for v, p := range i.versions {
		q, ok := o.versions[v]
		if !ok || !p.equal(q) {
			return false
		}
	}
	return true
}

// crdName is the name of the CRD of a custom resource: <plural>.<group>.
func crdName(gr schema.GroupResource) string {
	return gr.Resource + "." + gr.Group
}

// transformCRD keeps the served versions of a CRD and their scale paths.
func transformCRD(obj any) (any, error) {
	switch o := obj.(type) {
	case *crdInfo:
		return o, nil
	case *apiextensionsv1.CustomResourceDefinition:
		info := &crdInfo{meta: entry{name: o.Name, uid: o.UID, resourceVersion: o.ResourceVersion}, versions: map[string]*scalePaths{}}
		for _, v := range o.Spec.Versions {
			if !v.Served {
				continue
			}
			var p *scalePaths
			if v.Subresources != nil && v.Subresources.Scale != nil {
				s := v.Subresources.Scale
				p = newScalePaths(s.SpecReplicasPath, s.StatusReplicasPath, s.LabelSelectorPath)
			}
			info.versions[v.Name] = p
		}
		return info, nil
	}
	return nil, fmt.Errorf("cache of customresourcedefinitions: unexpected object %T", obj)
}

// crdInformerLocked returns the informer of CRDs, creating and starting it the first time.
func (c *Client) crdInformerLocked() *resourceCache {
	if c.crds != nil {
		return c.crds
	}
	inf := apiextensionsinformers.NewCustomResourceDefinitionInformer(c.clients.APIExtensions, 0, nil)
	if err := inf.SetTransform(transformCRD); err != nil {
		// SetTransform fails only on a started informer; this one is new.
		panic(err)
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { c.crdChanged(nil, obj) },
		UpdateFunc: func(oldObj, newObj any) {
			c.crdChanged(oldObj, newObj)
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			c.crdChanged(obj, nil)
		},
	})
	c.crds = &resourceCache{informer: inf}
	c.startLocked(c.crds)
	return c.crds
}

// crdChanged resets the RESTMapper when a CRD appears, goes or changes what it serves, and
// drops the informer of its resource so that the next read starts one with the new paths.
func (c *Client) crdChanged(oldObj, newObj any) {
	o, _ := oldObj.(*crdInfo)
	n, _ := newObj.(*crdInfo)
	if o != nil && n != nil && o.equal(n) {
		return
	}
	name := ""
	switch {
	case n != nil:
		name = n.meta.name
	case o != nil:
		name = o.meta.name
	default:
		return
	}
	klog.V(4).InfoS("CustomResourceDefinition changed; rediscovering the API", "crd", name)
	c.clients.Mapper.Reset()
	gr := schema.ParseGroupResource(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if rc := c.resources[gr]; rc != nil && rc.paths != nil {
		if n == nil || !rc.paths.equal(n.versions[rc.version]) {
			c.removeLocked(gr)
		}
	}
}
