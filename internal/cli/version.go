package cli

import (
	"runtime"
	"runtime/debug"
)

// version is the release version, set at build time with
// -ldflags "-X github.com/mhpa-dev/mhpa/internal/cli.version=v1.2.3".
var version = ""

// BuildInfo describes the build of a binary.
type BuildInfo struct {
	// Version is the release version, or the module version the binary was built from, or
	// "(devel)".
	Version string `json:"version"`
	// GitCommit is the commit the binary was built from, with "-dirty" when the tree had
	// changes; empty when unknown.
	GitCommit string `json:"gitCommit,omitempty"`
	// BuildDate is the commit's time; empty when unknown.
	BuildDate string `json:"buildDate,omitempty"`
	// GoVersion is the Go release the binary was built with.
	GoVersion string `json:"goVersion"`
	// Platform is the operating system and architecture, for example linux/amd64.
	Platform string `json:"platform"`
}

// Build returns the build information of the running binary: the version set at build time,
// and what the Go toolchain recorded (module version, VCS revision and time).
func Build() BuildInfo {
	info := BuildInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if info.Version == "" {
			info.Version = "(devel)"
		}
		return info
	}
	if info.Version == "" {
		info.Version = bi.Main.Version
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.GitCommit = s.Value
		case "vcs.time":
			info.BuildDate = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && info.GitCommit != "" {
		info.GitCommit += "-dirty"
	}
	return info
}
