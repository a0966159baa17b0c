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

// Flink's MemorySize units (org.apache.flink.configuration.MemorySize
// .MemoryUnit): matched after trimming and lower-casing, binary multiples.
var flinkUnits = map[string]int64{
	"": 1, "b": 1, "bytes": 1,
	"k": 1 << 10, "kb": 1 << 10, "kibibytes": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mebibytes": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gibibytes": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tebibytes": 1 << 40,
}

// Parse returns the size in bytes of a memory amount in the spec
// (resource.memory, resources.requests.memory), read as the reference
// operator's FlinkConfigBuilder reads it: Flink's MemorySize first, then a
// Kubernetes quantity after dropping blanks, upper-casing, dropping a
// trailing "B" and writing a trailing "I" as "i". So "2gib", "2 Gi" and
// "512mi" are 2 GiB, 2 GiB and 512 MiB there, and here. A size must be a
// whole, positive number of bytes: Flink's MemorySize has no fractions,
// and a process of no memory cannot start.
func Parse(text string) (int64, error) {
	if b, err := ParseFlink(text); err == nil {
		if b <= 0 {
			return 0, fmt.Errorf("%q must be larger than zero", text)
		}
		return b, nil
	}
	q, err := resource.ParseQuantity(asQuantity(text))
	if err != nil {
		return 0, fmt.Errorf("%q is neither a Flink memory size (such as 2048m or 2g) nor a Kubernetes quantity (such as 2Gi)", text)
	}
	if q.Sign() <= 0 {
		return 0, fmt.Errorf("%q must be larger than zero", text)
	}
	// Value rounds up; a fraction of a byte shows as a difference.
	b := q.Value()
	if q.Cmp(*resource.NewQuantity(b, resource.BinarySI)) != 0 {
		return 0, fmt.Errorf("%q is not a whole number of bytes, which Flink's memory sizes must be", text)
	}
	return b, nil
}

// asQuantity is the reference operator's respelling of a memory string
// before it reads it as a Kubernetes quantity.
func asQuantity(text string) string {
	s := strings.ToUpper(strings.Join(strings.Fields(text), ""))
	s = strings.TrimSuffix(s, "B")
	if strings.HasSuffix(s, "I") {
		s = s[:len(s)-1] + "i"
	}
	return s
}

// ParseFlink reads text exactly as Flink's MemorySize.parseBytes does, for
// the keys Flink itself reads: leading decimal digits, then an optional
// unit (blanks allowed between), case-insensitive. Zero is a size; signs,
// fractions, exponents and Kubernetes suffixes such as "Gi" are not.
func ParseFlink(text string) (int64, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return 0, fmt.Errorf("%q is empty", text)
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q does not start with a number", text)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large for a 64-bit number", text)
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := flinkUnits[unit]
	if !ok {
		return 0, fmt.Errorf("%q: unit %q is not one of Flink's (b, k, kb, m, mb, g, gb, t, tb, or bytes, kibibytes, mebibytes, gibibytes, tebibytes)", text, unit)
	}
	if n > (1<<63-1)/mult {
		return 0, fmt.Errorf("%q is too large for a 64-bit number of bytes", text)
	}
	return n * mult, nil
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
