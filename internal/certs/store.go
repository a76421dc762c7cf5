package certs

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ErrConflict is returned by Store.Save when the stored bundle changed since it was loaded, for
// example because another replica renewed it. Load again and retry.
var ErrConflict = errors.New("certs: the stored bundle changed since it was loaded")

// Store keeps the bundle of the rotator.
type Store interface {
	// Load returns the stored bundle, or nil if there is none (or it cannot be decoded, so that
	// a fresh one replaces it).
	Load(ctx context.Context) (*Bundle, error)
	// Save stores b, unless the stored bundle changed since the last Load (ErrConflict).
	Save(ctx context.Context, b *Bundle) error
}

// MemoryStore keeps the bundle in memory, for a single replica.
type MemoryStore struct {
	mu sync.Mutex
	b  *Bundle
}

// Load returns the bundle saved last.
func (s *MemoryStore) Load(context.Context) (*Bundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b, nil
}

// Save keeps b.
func (s *MemoryStore) Save(_ context.Context, b *Bundle) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = b
	return nil
}

// SecretStore keeps the bundle in a Secret, so that every replica serves the same certificate.
type SecretStore struct {
	// Client reads and writes the Secret.
	Client kubernetes.Interface
	// Namespace and Name name the Secret.
	Namespace, Name string

	mu              sync.Mutex
	resourceVersion string // of the Secret at the last Load; "" if it did not exist
}

// Load reads the Secret.
func (s *SecretStore) Load(ctx context.Context) (*Bundle, error) {
	secret, err := s.Client.CoreV1().Secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if apierrors.IsNotFound(err) {
		s.resourceVersion = ""
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("certs: reading Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	s.resourceVersion = secret.ResourceVersion
	b, err := BundleFromData(secret.Data)
	if err != nil {
		return nil, nil // unusable: replaced by a fresh bundle on Save
	}
	return b, nil
}

// Save writes the Secret, creating it if it did not exist at the last Load.
func (s *SecretStore) Save(ctx context.Context, b *Bundle) error {
	s.mu.Lock()
	rv := s.resourceVersion
	s.mu.Unlock()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: s.Namespace, Name: s.Name, ResourceVersion: rv,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "mhpa-controller"},
		},
		Type: corev1.SecretTypeOpaque,
		Data: b.Data(),
	}
	var err error
	if rv == "" {
		secret, err = s.Client.CoreV1().Secrets(s.Namespace).Create(ctx, secret, metav1.CreateOptions{})
	} else {
		secret, err = s.Client.CoreV1().Secrets(s.Namespace).Update(ctx, secret, metav1.UpdateOptions{})
	}
	switch {
	case apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err):
		return ErrConflict
	case err != nil:
		return fmt.Errorf("certs: writing Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	s.mu.Lock()
	s.resourceVersion = secret.ResourceVersion
	s.mu.Unlock()
	return nil
}
