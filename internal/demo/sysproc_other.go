//go:build !linux

package demo

import "syscall"

// sysProcAttr puts a child in its own process group, so that stop can signal the group.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
