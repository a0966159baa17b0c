package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// systemDirs are the host's directories that make up the container's operating system. On a
// merged-/usr host some are symlinks (bin -> usr/bin): those are recreated as the same symlink
// in the container's root, so that they resolve to the bound /usr there.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// buildRoot runs in the init, in its own mount namespace, and builds the container's root under
// StateDir/rootfs: the system mounts first, then the spec's mounts in order.
func buildRoot(spec Spec) (*rootfs, error) {
	// Nothing mounted from here on may propagate back to the host's namespace.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("make / rprivate: %w", err)
	}
	// Mount points in /proc/self/mountinfo are symlink-free; so must our paths be to match them.
	stateDir, err := filepath.EvalSymlinks(spec.StateDir)
	if err != nil {
		return nil, fmt.Errorf("resolve state dir %s: %w", spec.StateDir, err)
	}
	r := &rootfs{dir: filepath.Join(stateDir, "rootfs"), stateDir: stateDir}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create container root %s: %w", r.dir, err)
	}
	for _, dir := range systemDirs {
		fi, err := os.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("inspect host %s: %w", dir, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if err := r.symlinkLike(dir); err != nil {
				return nil, err
			}
			continue
		}
		if err := r.bind(Mount{Source: dir, Target: dir}, false); err != nil {
			return nil, err
		}
	}
	for _, m := range []Mount{
		{Source: "/etc", Target: "/etc", ReadOnly: true},
		{Source: "/dev", Target: "/dev"},
		{Source: "/sys", Target: "/sys"},
	} {
		if err := r.bind(m, false); err != nil {
			return nil, err
		}
	}
	if err := r.mountProc(); err != nil {
		return nil, err
	}
	tmp := filepath.Join(stateDir, "tmp")
	if err := os.MkdirAll(tmp, 0o777); err != nil {
		return nil, fmt.Errorf("create container tmp %s: %w", tmp, err)
	}
	// MkdirAll's mode is filtered by the umask; /tmp must be world-writable and sticky.
	if err := os.Chmod(tmp, 0o777|fs.ModeSticky); err != nil {
		return nil, fmt.Errorf("make container tmp %s sticky: %w", tmp, err)
	}
	if err := r.bind(Mount{Source: tmp, Target: "/tmp"}, true); err != nil {
		return nil, err
	}
	for _, m := range spec.Mounts {
		if err := r.bind(m, within(m.Source, stateDir)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// symlinkLike recreates the host's symlink at dir inside the root; one left by a previous run is
// kept when it says the same.
func (r *rootfs) symlinkLike(dir string) error {
	target, err := os.Readlink(dir)
	if err != nil {
		return fmt.Errorf("read host symlink %s: %w", dir, err)
	}
	link := r.host(dir)
	if old, err := os.Readlink(link); err == nil && old == target {
		return nil
	}
	// An empty directory or a stale link from a previous run goes; anything else is an error.
	if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace %s in container root with a symlink: %w", dir, err)
	}
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("create symlink %s -> %s in container root: %w", dir, target, err)
	}
	return nil
}

// mountProc mounts a fresh proc. The container shares the host's PID namespace, so it shows the
// host's processes, but mounting it anew keeps the host's /proc submounts out.
func (r *rootfs) mountProc() error {
	target, err := r.mountPoint("/proc", true)
	if err != nil {
		return fmt.Errorf("create mount point /proc: %w", err)
	}
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC)
	if err := syscall.Mount("proc", r.host(target), "proc", flags, ""); err != nil {
		return fmt.Errorf("mount proc at %s: %w", r.host(target), err)
	}
	r.mounts = append(r.mounts, mounted{target: target})
	return nil
}

// within tells whether path is dir or lies under it.
func within(path, dir string) bool {
	path, dir = filepath.Clean(path), filepath.Clean(dir)
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}
