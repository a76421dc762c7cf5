package scaletarget

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// entryMeta is an entry seen as a metav1.Object: the informer reads the namespace and name
// to key the cache. Only the fields an entry keeps are read and written; the others read
// as empty and ignore writes.
type entryMeta entry

var _ metav1.Object = (*entryMeta)(nil)

func (m *entryMeta) GetNamespace() string                          { return m.namespace }
func (m *entryMeta) SetNamespace(namespace string)                 { m.namespace = namespace }
func (m *entryMeta) GetName() string                               { return m.name }
func (m *entryMeta) SetName(name string)                           { m.name = name }
func (m *entryMeta) GetGenerateName() string                       { return "" }
func (m *entryMeta) SetGenerateName(string)                        {}
func (m *entryMeta) GetUID() types.UID                             { return m.uid }
func (m *entryMeta) SetUID(uid types.UID)                          { m.uid = uid }
func (m *entryMeta) GetResourceVersion() string                    { return m.resourceVersion }
func (m *entryMeta) SetResourceVersion(version string)             { m.resourceVersion = version }
func (m *entryMeta) GetGeneration() int64                          { return 0 }
func (m *entryMeta) SetGeneration(int64)                           {}
func (m *entryMeta) GetSelfLink() string                           { return "" }
func (m *entryMeta) SetSelfLink(string)                            {}
func (m *entryMeta) GetCreationTimestamp() metav1.Time             { return metav1.Time{} }
func (m *entryMeta) SetCreationTimestamp(metav1.Time)              {}
func (m *entryMeta) GetDeletionTimestamp() *metav1.Time            { return nil }
func (m *entryMeta) SetDeletionTimestamp(*metav1.Time)             {}
func (m *entryMeta) GetDeletionGracePeriodSeconds() *int64         { return nil }
func (m *entryMeta) SetDeletionGracePeriodSeconds(*int64)          {}
func (m *entryMeta) GetLabels() map[string]string                  { return nil }
func (m *entryMeta) SetLabels(map[string]string)                   {}
func (m *entryMeta) GetAnnotations() map[string]string             { return nil }
func (m *entryMeta) SetAnnotations(map[string]string)              {}
func (m *entryMeta) GetFinalizers() []string                       { return nil }
func (m *entryMeta) SetFinalizers([]string)                        {}
func (m *entryMeta) GetOwnerReferences() []metav1.OwnerReference   { return nil }
func (m *entryMeta) SetOwnerReferences([]metav1.OwnerReference)    {}
func (m *entryMeta) GetManagedFields() []metav1.ManagedFieldsEntry { return nil }
func (m *entryMeta) SetManagedFields([]metav1.ManagedFieldsEntry)  {}
