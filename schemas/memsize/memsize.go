// Package memsize reads memory sizes the way the reference operator does:
// Flink's MemorySize syntax first, where "2048m" means 2048 MiB, and only
// then as a Kubernetes quantity, where "2Gi" means 2 GiB and "2048m" would
// mean 2.048 bytes. Reading "2048m" as milli-bytes is the classic mistake
// this package exists to prevent.
package memsize

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

const mebibyte = 1 << 20

// Flink's MemorySize units (org.apache.flink.configuration.MemorySize).
var flinkUnits = map[string]int64{
	"": 1, "b": 1, "bytes": 1,
	"k": 1 << 10, "kb": 1 << 10, "kibibytes": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mebibytes": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gibibytes": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tebibytes": 1 << 40,
}

// Parse returns the size in bytes.
func Parse(text string) (int64, error) {
	if b, ok := parseFlink(text); ok {
		return b, nil
	}
	q, err := resource.ParseQuantity(strings.TrimSpace(text))
	if err != nil {
		return 0, fmt.Errorf("%q is neither a Flink memory size (such as 2048m or 2g) nor a Kubernetes quantity (such as 2Gi)", text)
	}
	if q.Sign() <= 0 {
		return 0, fmt.Errorf("%q must be larger than zero", text)
	}
	return q.Value(), nil
}

func parseFlink(text string) (int64, bool) {
	t := strings.TrimSpace(text)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	mult, ok := flinkUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok || n > (1<<62)/mult {
		return 0, false
	}
	return n * mult, true
}

// FlinkString formats bytes for a Flink configuration file: whole MiB as
// "<n>m", anything else as "<n>b", both exact.
func FlinkString(bytes int64) string {
	if bytes%mebibyte == 0 {
		return strconv.FormatInt(bytes/mebibyte, 10) + "m"
	}
	return strconv.FormatInt(bytes, 10) + "b"
}

// ContainerQuantity is the Kubernetes memory quantity Flink requests for a
// process of the given size: whole MiB, rounded down as Flink does.
func ContainerQuantity(bytes int64) string {
	return strconv.FormatInt(bytes/mebibyte, 10) + "Mi"
}
