// Package sharedtest tests framework.Main: its tests share one control plane started in
// TestMain. It holds no code besides its tests.
package sharedtest
