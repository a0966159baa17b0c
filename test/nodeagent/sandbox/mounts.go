package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// rootfs is the container's root being built, with what has been mounted in it so far.
type rootfs struct {
	dir      string // host path of the container's /
	stateDir string
	mounts   []mounted
}

// mounted is one mount inside the root, by its path in the container.
type mounted struct {
	target string
	// owned is true when the mount's source belongs to this container, so a mount point may be
	// created in it; in any other mount that would write to a host or shared directory.
	owned bool
}

// host is the host path of the container path p.
func (r *rootfs) host(p string) string { return filepath.Join(r.dir, p) }

// bind mounts m (recursively, so that mounts below its source come along) and records it.
func (r *rootfs) bind(m Mount, owned bool) error {
	fi, err := os.Stat(m.Source)
	if err != nil {
		return fmt.Errorf("mount %s at %s: %w", m.Source, m.Target, err)
	}
	target, err := r.mountPoint(m.Target, fi.IsDir())
	if err != nil {
		return fmt.Errorf("create mount point %s for %s: %w", m.Target, m.Source, err)
	}
	hostTarget := r.host(target)
	if err := syscall.Mount(m.Source, hostTarget, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind-mount %s at %s: %w", m.Source, m.Target, err)
	}
	if m.ReadOnly {
		if err := readOnly(hostTarget); err != nil {
			return fmt.Errorf("make mount %s at %s read-only: %w", m.Source, m.Target, err)
		}
	}
	r.mounts = append(r.mounts, mounted{target: target, owned: owned})
	return nil
}

// mountPoint makes sure the container path p exists in the root (a directory, or an empty file
// when dir is false), following symlinks as the container would see them, and returns p with
// them resolved. A missing part is created in the root's own directories; when it would have to
// be created inside a mount that the container does not own, that directory is spliced first.
func (r *rootfs) mountPoint(p string, dir bool) (string, error) {
	existing, missing, err := r.resolve(p)
	if err != nil || len(missing) == 0 {
		return existing, err
	}
	if m := r.enclosing(existing); m != nil && !m.owned {
		if err := r.splice(existing); err != nil {
			return "", err
		}
	}
	cur := existing
	for i, name := range missing {
		if name == ".." {
			return "", fmt.Errorf("%s leads through a dangling symlink", p)
		}
		cur = path.Join(cur, name)
		if i == len(missing)-1 && !dir {
			f, err := os.OpenFile(r.host(cur), os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return "", fmt.Errorf("create file %s: %w", r.host(cur), err)
			}
			f.Close()
			break
		}
		if err := os.Mkdir(r.host(cur), 0o755); err != nil {
			return "", fmt.Errorf("create directory %s: %w", r.host(cur), err)
		}
	}
	return cur, nil
}

// resolve walks the container path p inside the root, resolving symlinks against the root (an
// absolute link must not lead to the host's files). It returns the longest existing resolved
// prefix and the names missing after it.
func (r *rootfs) resolve(p string) (string, []string, error) {
	rest := strings.Split(path.Clean("/"+p), "/")
	cur, links := "/", 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		fi, err := os.Lstat(r.host(next))
		if errors.Is(err, fs.ErrNotExist) {
			return cur, append([]string{name}, rest...), nil
		}
		if err != nil {
			return "", nil, fmt.Errorf("resolve %s in container root: %w", p, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if links++; links > 40 {
			return "", nil, fmt.Errorf("resolve %s in container root: too many symlinks", p)
		}
		link, err := os.Readlink(r.host(next))
		if err != nil {
			return "", nil, fmt.Errorf("resolve %s in container root: %w", p, err)
		}
		if path.IsAbs(link) {
			cur = "/"
		}
		rest = append(strings.Split(link, "/"), rest...)
	}
	return cur, nil, nil
}

// enclosing is the innermost recorded mount that contains the container path p, nil for none.
func (r *rootfs) enclosing(p string) *mounted {
	var best *mounted
	for i := range r.mounts {
		m := &r.mounts[i]
		if within(p, m.target) && (best == nil || len(m.target) >= len(best.target)) {
			best = m
		}
	}
	return best
}

// splice replaces the directory p, which lies in a mount the container does not own, by a tmpfs
// holding the same entries, each bound from the original. The tmpfs then takes new mount points
// as a container's writable layer would, and the original directory on the host stays untouched.
func (r *rootfs) splice(p string) error {
	hostDir := r.host(p)
	fi, err := os.Stat(hostDir)
	if err != nil {
		return fmt.Errorf("splice %s: %w", p, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("splice %s: no owner information", p)
	}
	// The original stays reachable here while the tmpfs covers it.
	shadow := filepath.Join(r.stateDir, "splice")
	if err := os.MkdirAll(shadow, 0o700); err != nil {
		return fmt.Errorf("splice %s: create %s: %w", p, shadow, err)
	}
	if err := syscall.Mount(hostDir, shadow, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("splice %s: bind it at %s: %w", p, shadow, err)
	}
	defer syscall.Unmount(shadow, syscall.MNT_DETACH)
	opts := fmt.Sprintf("mode=%o,uid=%d,gid=%d", uint32(fi.Mode().Perm())|modeBits(fi.Mode()), st.Uid, st.Gid)
	if err := syscall.Mount("tmpfs", hostDir, "tmpfs", 0, opts); err != nil {
		return fmt.Errorf("splice %s: mount tmpfs over it: %w", p, err)
	}
	entries, err := os.ReadDir(shadow)
	if err != nil {
		return fmt.Errorf("splice %s: list it: %w", p, err)
	}
	for _, e := range entries {
		src, dst := filepath.Join(shadow, e.Name()), filepath.Join(hostDir, e.Name())
		if err := spliceEntry(src, dst, e.Type()); err != nil {
			return fmt.Errorf("splice %s: %w", p, err)
		}
	}
	r.mounts = append(r.mounts, mounted{target: p, owned: true})
	return nil
}

// spliceEntry puts the original entry src at dst in the tmpfs: a symlink as a copy, anything
// else as a bind mount (which keeps the original mount's read-only flag).
func spliceEntry(src, dst string, typ fs.FileMode) error {
	switch {
	case typ&fs.ModeSymlink != 0:
		link, err := os.Readlink(src)
		if err != nil {
			return fmt.Errorf("read symlink %s: %w", src, err)
		}
		if err := os.Symlink(link, dst); err != nil {
			return fmt.Errorf("copy symlink %s: %w", dst, err)
		}
		return nil
	case typ.IsDir():
		if err := os.Mkdir(dst, 0o755); err != nil {
			return fmt.Errorf("create directory %s: %w", dst, err)
		}
	default:
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("create file %s: %w", dst, err)
		}
		f.Close()
	}
	if err := syscall.Mount(src, dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind-mount %s at %s: %w", src, dst, err)
	}
	return nil
}

// modeBits turns setuid/setgid/sticky into the octal bits tmpfs's mode= option takes.
func modeBits(m fs.FileMode) uint32 {
	var b uint32
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// readOnly remounts the bind mount at hostPath and every mount below it read-only: a remount
// affects one mount only, and a recursive bind (of /etc in a Docker container, say) has several.
func readOnly(hostPath string) error {
	points, err := mountPointsUnder(hostPath)
	if err != nil {
		return err
	}
	for _, p := range points {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err != nil {
			return fmt.Errorf("read mount flags of %s: %w", p, err)
		}
		// The flags a bind remount does not name are cleared, so keep the ones already set.
		flags := uintptr(syscall.MS_BIND | syscall.MS_REMOUNT | syscall.MS_RDONLY)
		for stFlag, msFlag := range map[int64]uintptr{
			stNosuid: syscall.MS_NOSUID, stNodev: syscall.MS_NODEV, stNoexec: syscall.MS_NOEXEC,
			stNoatime: syscall.MS_NOATIME, stNodiratime: syscall.MS_NODIRATIME, stRelatime: syscall.MS_RELATIME,
		} {
			if st.Flags&stFlag != 0 {
				flags |= msFlag
			}
		}
		if err := syscall.Mount("", p, "", flags, ""); err != nil {
			return fmt.Errorf("remount %s read-only: %w", p, err)
		}
	}
	return nil
}

// statvfs flags (ST_*), which differ from the MS_* mount flags for relatime.
const (
	stNosuid     = 0x2
	stNodev      = 0x4
	stNoexec     = 0x8
	stNoatime    = 0x400
	stNodiratime = 0x800
	stRelatime   = 0x1000
)

// mountPointsUnder lists, from /proc/self/mountinfo, the mount points at or below dir.
func mountPointsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mount table: %w", err)
	}
	defer f.Close()
	var points []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		p := unescapeMountPath(fields[4])
		if within(p, dir) && !seen[p] {
			seen[p] = true
			points = append(points, p)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mount table: %w", err)
	}
	return points, nil
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space, and so on).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
