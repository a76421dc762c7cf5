package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// TestLeaderElection runs two replicas of mhpa-controller with leader election, as the
// Deployment does: one holds the Lease and scales, and when it stops the other takes over and
// scales in its place. Both serve the webhooks, with the certificate they share through a
// Secret.
func TestLeaderElection(t *testing.T) {
	const leaseNamespace, leaseName = "mhpa-system", "mhpa-controller-leader"
	ha := func(o *controllerapp.Options) {
		o.LeaderElection = true
		o.LeaderElectionNamespace = leaseNamespace
		o.LeaderElectionID = leaseName
		o.CertSecret = "mhpa-system/mhpa-webhook-certs"
	}
	e := startEnv(t, ha)
	holder := func(ctx context.Context) (string, error) {
		lease, err := e.mhpa.Kube.CoordinationV1().Leases(leaseNamespace).Get(ctx, leaseName, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return leaseHolder(lease), nil
	}
	var first string
	framework.WaitFor(t, "the first replica to take the lease", func(ctx context.Context) (bool, error) {
		h, err := holder(ctx)
		first = h
		return err == nil && h != "", nil
	})

	// The second replica: its own webhook port, the same lease and certificate Secret.
	second := *e.mhpa
	second.Options.WebhookPort = framework.FreePort(t)
	second.Options.WebhookURL = fmt.Sprintf("https://localhost:%d", second.Options.WebhookPort)
	second.Start(t)

	ns := e.workload(t, "ha", 1)
	e.setExternal(ns, "work", "30")
	e.createHPA(t, hpaFor(ns, "ha", 1, 10, externalAverage("work", "10")))
	e.waitForReplicas(t, ns, "ha", 3)
	if h, err := holder(t.Context()); err != nil || h != first {
		t.Fatalf("lease holder = %q (%v) while both replicas run, want the first one %q", h, err, first)
	}

	// The leader stops (and releases the lease): the standby takes over.
	e.mhpa.Stop()
	framework.WaitForWithin(t, time.Minute, "the second replica to take the lease", func(ctx context.Context) (bool, error) {
		h, err := holder(ctx)
		return err == nil && h != "" && h != first, nil
	})
	e.setExternal(ns, "work", "60")
	e.waitForReplicas(t, ns, "ha", 6)

	// The webhooks keep working on the replica that is left.
	second.WaitForWebhooks(t)
}

func leaseHolder(l *coordinationv1.Lease) string {
	return ptr.Deref(l.Spec.HolderIdentity, "")
}
