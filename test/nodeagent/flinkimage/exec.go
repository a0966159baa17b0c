package flinkimage

import (
	"fmt"
	"os"
	"syscall"
)

// execOS replaces the process with argv (the shell's exec), so the JVM becomes the
// container's main process and keeps this pid. With output files (STD_REDIRECT_TO_FILE) it
// points stdout and stderr at them and stdin at /dev/null first, like flink-console.sh.
func execOS(argv []string, env Env, stdoutFile, stderrFile string) error {
	path, err := lookPath(argv[0], env.Get("PATH"))
	if err != nil {
		return err
	}
	if stdoutFile != "" {
		if err := redirect(0, os.DevNull, os.O_RDONLY); err != nil {
			return err
		}
		if err := redirect(1, stdoutFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC); err != nil {
			return err
		}
		if err := redirect(2, stderrFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC); err != nil {
			return err
		}
	}
	if err := syscall.Exec(path, argv, env.List()); err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	return nil
}

func redirect(fd int, path string, flag int) error {
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return fmt.Errorf("open %s for file descriptor %d: %w", path, fd, err)
	}
	defer f.Close()
	if err := syscall.Dup3(int(f.Fd()), fd, 0); err != nil {
		return fmt.Errorf("redirect file descriptor %d to %s: %w", fd, path, err)
	}
	return nil
}
