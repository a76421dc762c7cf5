// The controller-runtime logger of the tests writes to stderr, so that a failed run shows what
// the webhook server and the certificate rotator did.
package api

import (
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

func init() {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true)))
}
