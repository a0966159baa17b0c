// Command flink-image is the emulated Flink image's start-up: the node agent places this one
// binary at /docker-entrypoint.sh and under the script names in /opt/flink/bin, and it acts
// according to the name it was started under. See package flinkimage.
package main

import (
	"os"

	"github.com/flinkops/flink-operator/test/nodeagent/flinkimage"
)

func main() {
	os.Exit(flinkimage.Main(os.Args[0], os.Args[1:]))
}
