package podsource

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// realisticPod is a pod as a Deployment's ReplicaSet creates it and a kubelet reports it:
// owner reference, managed fields, service account volume, default tolerations, two
// containers with requests, five conditions and container statuses.
func realisticPod(i int) *corev1.Pod {
	start := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	name := fmt.Sprintf("web-5d8f7c9b4-%05d", i)
	container := func(n, cpu, mem string) corev1.Container {
		return corev1.Container{
			Name: n, Image: "registry.example.com/team/" + n + ":1.2.3",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
			Env:   []corev1.EnvVar{{Name: "MODE", Value: "production"}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(mem)},
			},
			VolumeMounts:             []corev1.VolumeMount{{Name: "kube-api-access-x7k2p", ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}},
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
			ImagePullPolicy:          corev1.PullIfNotPresent,
		}
	}
	status := func(n string) corev1.ContainerStatus {
		return corev1.ContainerStatus{
			Name: n, Ready: true, Started: ptr.To(true), Image: "registry.example.com/team/" + n + ":1.2.3",
			ImageID:     "registry.example.com/team/" + n + "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			ContainerID: fmt.Sprintf("containerd://%064x", i),
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: start}},
		}
	}
	cond := func(t corev1.PodConditionType) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: start}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, GenerateName: "web-5d8f7c9b4-", Namespace: "team-a",
			UID:             types.UID(fmt.Sprintf("8c1b6a6e-0000-4000-8000-%012d", i)),
			ResourceVersion: fmt.Sprint(100000 + i), CreationTimestamp: start,
			Labels: map[string]string{"app": "web", "pod-template-hash": "5d8f7c9b4", "team": "a"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d8f7c9b4", UID: "0c7a3c1e-1111-4111-8111-111111111111",
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &start, FieldsType: "FieldsV1",
					FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{},"f:team":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"0c7a3c1e-1111-4111-8111-111111111111\"}":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{".":{},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}}}}}}`)}},
				{Manager: "kubelet", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &start, FieldsType: "FieldsV1", Subresource: "status",
					FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:status":{"f:conditions":{"k:{\"type\":\"ContainersReady\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Ready\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:startTime":{}}}`)}},
			},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{container("app", "250m", "256Mi"), container("proxy", "50m", "64Mi")},
			Volumes: []corev1.Volume{{Name: "kube-api-access-x7k2p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr.To[int64](3607), Path: "token"}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				},
				DefaultMode: ptr.To[int32](420),
			}}}},
			RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst,
			ServiceAccountName: "default", NodeName: "node-17", SchedulerName: "default-scheduler",
			TerminationGracePeriodSeconds: ptr.To[int64](30), SecurityContext: &corev1.PodSecurityContext{},
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
			},
			Priority: ptr.To[int32](0), EnableServiceLinks: ptr.To(true), PreemptionPolicy: ptr.To(corev1.PreemptLowerPriority),
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				cond("PodReadyToStartContainers"), cond(corev1.PodInitialized), cond(corev1.PodReady),
				cond(corev1.ContainersReady), cond(corev1.PodScheduled),
			},
			HostIP: "10.0.0.17", HostIPs: []corev1.HostIP{{IP: "10.0.0.17"}},
			PodIP: fmt.Sprintf("10.244.%d.%d", i/250, i%250), PodIPs: []corev1.PodIP{{IP: fmt.Sprintf("10.244.%d.%d", i/250, i%250)}},
			StartTime:         &start,
			ContainerStatuses: []corev1.ContainerStatus{status("app"), status("proxy")},
			QOSClass:          corev1.PodQOSBurstable,
		},
	}
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// fillIndexer decodes each raw pod the way a watch does (each one fresh from its bytes),
// passes it through transform (if any) and stores it in an indexer with the Source's indexes.
func fillIndexer(b *testing.B, raw [][]byte, transform cache.TransformFunc) cache.Indexer {
	idx := cache.NewIndexer(cache.DeletionHandlingMetaNamespaceKeyFunc, cache.Indexers{
		NamespaceIndex: cache.MetaNamespaceIndexFunc,
		LabelIndex:     labelIndexFunc,
	})
	for _, r := range raw {
		var obj any = &corev1.Pod{}
		if err := obj.(*corev1.Pod).Unmarshal(r); err != nil {
			b.Fatal(err)
		}
		if transform != nil {
			var err error
			if obj, err = transform(obj); err != nil {
				b.Fatal(err)
			}
		}
		if err := idx.Add(obj); err != nil {
			b.Fatal(err)
		}
	}
	return idx
}

// BenchmarkMemoryPerPod reports the heap that the pod cache takes per pod, with its
// namespace and label indexes: bytes/pod for the transformed Pods the Source keeps, and
// full-bytes/pod for the same pods kept whole, as an untransformed informer would.
func BenchmarkMemoryPerPod(b *testing.B) {
	const n = 10000
	raw := make([][]byte, n)
	for i := range raw {
		var err error
		if raw[i], err = realisticPod(i).Marshal(); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		before := heapInUse()
		idx := fillIndexer(b, raw, transform)
		small := heapInUse() - before
		if got := len(idx.List()); got != n {
			b.Fatalf("%d pods cached, want %d", got, n)
		}
		runtime.KeepAlive(idx)
		idx = nil

		before = heapInUse()
		full := fillIndexer(b, raw, nil)
		whole := heapInUse() - before
		runtime.KeepAlive(full)

		b.ReportMetric(float64(small)/n, "bytes/pod")
		b.ReportMetric(float64(whole)/n, "full-bytes/pod")
	}
}

// BenchmarkList measures List of one Deployment's 10 pods in a namespace of 10,000 pods.
func BenchmarkList(b *testing.B) {
	const n = 10000
	idx := cache.NewIndexer(cache.DeletionHandlingMetaNamespaceKeyFunc, cache.Indexers{
		NamespaceIndex: cache.MetaNamespaceIndexFunc,
		LabelIndex:     labelIndexFunc,
	})
	for i := 0; i < n; i++ {
		app := fmt.Sprint("app-", i/10)
		if err := idx.Add(&Pod{Namespace: "ns", Name: fmt.Sprint("p", i), Labels: map[string]string{"app": app, "team": "a"}}); err != nil {
			b.Fatal(err)
		}
	}
	s := &Source{informer: indexerOnly{indexer: idx}}
	sel := labels.SelectorFromSet(labels.Set{"app": "app-500", "team": "a"})
	for b.Loop() {
		if got := len(s.List("ns", sel)); got != 10 {
			b.Fatalf("List returned %d pods, want 10", got)
		}
	}
}

// indexerOnly is an informer that is only an indexer, for benchmarks of List.
type indexerOnly struct {
	cache.SharedIndexInformer
	indexer cache.Indexer
}

func (i indexerOnly) GetIndexer() cache.Indexer { return i.indexer }
