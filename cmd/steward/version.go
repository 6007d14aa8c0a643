package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version prints what the binary was built from, as the Go toolchain stamped it: the module
// version (a tag, a pseudo-version, or "(devel)"), the VCS revision, its time and whether the
// work tree had changes, and the Go version and platform.
func (e *env) version(_ context.Context, args []string) error {
	fs := e.flags("version")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprint(e.stdout, versionText(bi))
	return nil
}

// versionText renders build information; bi may be nil (a binary built without module
// support).
func versionText(bi *debug.BuildInfo) string {
	ver, rev, at, modified := "(devel)", "", "", false
	goVersion := runtime.Version()
	if bi != nil {
		if bi.Main.Version != "" {
			ver = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "steward %s\n", ver)
	if rev != "" {
		fmt.Fprintf(&b, "revision %s", rev)
		if at != "" {
			fmt.Fprintf(&b, " (%s)", at)
		}
		if modified {
			b.WriteString(" with uncommitted changes")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("revision unknown (built without version control information)\n")
	}
	fmt.Fprintf(&b, "built with %s for %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
