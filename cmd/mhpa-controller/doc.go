// Command mhpa-controller runs mhpa: the HorizontalPodAutoscaler controller of
// autoscaling.mhpa.dev and the conversion, defaulting and validating webhooks of its API, served
// over TLS with a certificate it creates and rotates itself (or one from --cert-dir).
//
// For a local control plane whose API server runs on the same host:
//
//	mhpa-controller --kubeconfig=admin.kubeconfig --webhook-host=127.0.0.1 \
//	    --webhook-url=https://localhost:9443 --metrics-bind-address=0
package main
