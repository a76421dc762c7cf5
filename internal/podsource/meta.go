package podsource

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podMeta is a Pod seen as a metav1.Object: the informer reads the namespace and name
// to key and index the cache. Only the fields a Pod keeps are read and written; the others read
// as empty and ignore writes.
type podMeta Pod

var _ metav1.Object = (*podMeta)(nil)

func (m *podMeta) GetNamespace() string                          { return m.Namespace }
func (m *podMeta) SetNamespace(namespace string)                 { m.Namespace = namespace }
func (m *podMeta) GetName() string                               { return m.Name }
func (m *podMeta) SetName(name string)                           { m.Name = name }
func (m *podMeta) GetGenerateName() string                       { return "" }
func (m *podMeta) SetGenerateName(string)                        {}
func (m *podMeta) GetUID() types.UID                             { return "" }
func (m *podMeta) SetUID(types.UID)                              {}
func (m *podMeta) GetResourceVersion() string                    { return "" }
func (m *podMeta) SetResourceVersion(string)                     {}
func (m *podMeta) GetGeneration() int64                          { return 0 }
func (m *podMeta) SetGeneration(int64)                           {}
func (m *podMeta) GetSelfLink() string                           { return "" }
func (m *podMeta) SetSelfLink(string)                            {}
func (m *podMeta) GetCreationTimestamp() metav1.Time             { return metav1.Time{} }
func (m *podMeta) SetCreationTimestamp(metav1.Time)              {}
func (m *podMeta) GetDeletionTimestamp() *metav1.Time            { return m.DeletionTimestamp }
func (m *podMeta) SetDeletionTimestamp(t *metav1.Time)           { m.DeletionTimestamp = t }
func (m *podMeta) GetDeletionGracePeriodSeconds() *int64         { return nil }
func (m *podMeta) SetDeletionGracePeriodSeconds(*int64)          {}
func (m *podMeta) GetLabels() map[string]string                  { return m.Labels }
func (m *podMeta) SetLabels(labels map[string]string)            { m.Labels = labels }
func (m *podMeta) GetAnnotations() map[string]string             { return nil }
func (m *podMeta) SetAnnotations(map[string]string)              {}
func (m *podMeta) GetFinalizers() []string                       { return nil }
func (m *podMeta) SetFinalizers([]string)                        {}
func (m *podMeta) GetOwnerReferences() []metav1.OwnerReference   { return nil }
func (m *podMeta) SetOwnerReferences([]metav1.OwnerReference)    {}
func (m *podMeta) GetManagedFields() []metav1.ManagedFieldsEntry { return nil }
func (m *podMeta) SetManagedFields([]metav1.ManagedFieldsEntry)  {}
