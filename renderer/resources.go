package renderer

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/memsize"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// processSpec is what the spec says about one Flink process's resources.
type processSpec struct {
	path      *field.Path
	legacy    *v1beta1.Resource
	resources *v1beta1.ResourceRequirements
	// The keys the user may have set in flinkConfiguration instead, read
	// (with their errors, reported here only when a key is used).
	keys flinkconf.ProcessResources
	// CPU Flink uses when nothing is configured: 1 for the JobManager, the
	// number of task slots for a TaskManager.
	defaultCPU float64
}

// resolveProcess reads memory and CPU the way the reference operator does:
// resources.requests, then resources.limits, then the legacy resource
// field, then the user's own Flink keys. Memory uses Flink's MemorySize
// meaning ("2048m" = 2048 MiB). Limits above requests become Flink's limit
// factors, as Flink computes container limits from them.
func resolveProcess(p processSpec) (processInput, field.ErrorList) {
	var out processInput
	var errs field.ErrorList
	out.ContainerResources = containerResources{Requests: map[string]string{}, Limits: map[string]string{}}

	reqMem, reqMemPath := amount(p, "requests", corev1.ResourceMemory)
	limMem, limMemPath := amount(p, "limits", corev1.ResourceMemory)
	if reqMem == "" && p.legacy != nil && p.legacy.Memory != "" {
		reqMem, reqMemPath = p.legacy.Memory, p.path.Child("resource", "memory")
	}
	var memBytes int64
	switch {
	case reqMem != "" || limMem != "":
		text, path := reqMem, reqMemPath
		if text == "" {
			text, path = limMem, limMemPath
		}
		b, err := memsize.Parse(text)
		if err != nil {
			errs = append(errs, field.Invalid(path, text, err.Error()))
			break
		}
		memBytes = b
		out.MemoryProcessSize = memsize.FlinkString(b)
	case p.keys.Memory.Given:
		// Only now is the key used, so only now is its error one.
		if p.keys.Memory.Err != nil {
			errs = append(errs, p.keys.Memory.Err)
			break
		}
		memBytes = p.keys.Memory.Bytes
		// Flink reads its own key; a size derived from the finer keys is
		// left for Flink to derive again.
		out.MemoryProcessSize = p.keys.Memory.Respelled
	default:
		errs = append(errs, field.Required(p.path.Child("resource", "memory"),
			fmt.Sprintf("memory must be defined in %s, %s or flinkConfiguration %s",
				p.path.Child("resources", "requests", "memory"), p.path.Child("resource", "memory"), p.keys.Memory.Key)))
	}
	if memBytes > 0 {
		out.ContainerResources.Requests["memory"] = memsize.ContainerQuantity(memBytes)
		out.ContainerResources.Limits["memory"] = memsize.ContainerQuantity(memBytes)
		if reqMem != "" && limMem != "" {
			lb, err := memsize.Parse(limMem)
			switch {
			case err != nil:
				errs = append(errs, field.Invalid(limMemPath, limMem, err.Error()))
			case lb < memBytes:
				errs = append(errs, field.Invalid(limMemPath, limMem, "memory limit must not be smaller than the request"))
			case lb > memBytes:
				out.MemoryLimitFactor = javaDouble(float64(lb) / float64(memBytes))
				out.ContainerResources.Limits["memory"] = memsize.ContainerQuantity(lb)
			}
		}
	}

	cpu, cpuLimit, cpuErrs := resolveCPU(p)
	errs = append(errs, cpuErrs...)
	if cpu > 0 {
		out.ContainerResources.Requests["cpu"] = cpuQuantity(cpu)
		out.ContainerResources.Limits["cpu"] = cpuQuantity(cpu)
		if cpuLimit > cpu {
			out.CPULimitFactor = javaDouble(cpuLimit / cpu)
			out.ContainerResources.Limits["cpu"] = cpuQuantity(cpuLimit)
		}
	}
	if specCPU(p) {
		out.CPU = javaDouble(cpu)
	}

	errs = append(errs, otherResources(p, &out.ContainerResources)...)
	return out, errs
}

func specCPU(p processSpec) bool {
	if p.resources != nil && (has(p.resources.Requests, corev1.ResourceCPU) || has(p.resources.Limits, corev1.ResourceCPU)) {
		return true
	}
	return p.legacy != nil && p.legacy.CPU != nil
}

func resolveCPU(p processSpec) (request, limit float64, errs field.ErrorList) {
	req, reqPath := amount(p, "requests", corev1.ResourceCPU)
	lim, limPath := amount(p, "limits", corev1.ResourceCPU)
	parse := func(text string, path *field.Path) float64 {
		q, err := resource.ParseQuantity(text)
		if err != nil || q.Sign() <= 0 {
			errs = append(errs, field.Invalid(path, text, "must be a positive number of cores, such as 1, 0.5 or 500m"))
			return 0
		}
		return q.AsApproximateFloat64()
	}
	switch {
	case req != "":
		request = parse(req, reqPath)
	case lim != "":
		request = parse(lim, limPath)
	case p.legacy != nil && p.legacy.CPU != nil:
		if *p.legacy.CPU <= 0 {
			errs = append(errs, field.Invalid(p.path.Child("resource", "cpu"), *p.legacy.CPU, "must be larger than 0"))
		}
		request = *p.legacy.CPU
	default:
		request = p.defaultCPU
		// As with memory, the key's error counts only when it is used.
		switch cpu := p.keys.CPU; {
		case cpu.Err != nil:
			errs = append(errs, cpu.Err)
		case cpu.Given:
			request = cpu.Cores
		}
	}
	if req != "" && lim != "" {
		limit = parse(lim, limPath)
		if limit > 0 && limit < request {
			errs = append(errs, field.Invalid(limPath, lim, "cpu limit must not be smaller than the request"))
		}
	}
	return request, limit, errs
}

// otherResources copies everything but cpu and memory (ephemeral storage,
// GPUs, claims are not Flink's business) into the main container.
func otherResources(p processSpec, out *containerResources) field.ErrorList {
	var errs field.ErrorList
	copyList := func(list v1beta1.ResourceList, kind string, dst map[string]string) {
		for name, v := range list {
			if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
				continue
			}
			q, err := resource.ParseQuantity(v.String())
			if err != nil {
				errs = append(errs, field.Invalid(p.path.Child("resources", kind).Key(string(name)), v.String(), "must be a Kubernetes quantity, such as 10Gi"))
				continue
			}
			// Kubernetes would refuse the pod later; the reference
			// validator refuses it now.
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(p.path.Child("resources", kind).Key(string(name)), v.String(), "must not be negative"))
				continue
			}
			dst[string(name)] = q.String()
		}
	}
	if p.resources != nil {
		copyList(p.resources.Requests, "requests", out.Requests)
		copyList(p.resources.Limits, "limits", out.Limits)
	}
	if p.legacy != nil && p.legacy.EphemeralStorage != "" {
		q, err := resource.ParseQuantity(p.legacy.EphemeralStorage)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(p.path.Child("resource", "ephemeralStorage"), p.legacy.EphemeralStorage, "must be a Kubernetes quantity, such as 10Gi"))
		case q.Sign() < 0:
			errs = append(errs, field.Invalid(p.path.Child("resource", "ephemeralStorage"), p.legacy.EphemeralStorage, "must not be negative"))
		default:
			out.Requests["ephemeral-storage"] = q.String()
			out.Limits["ephemeral-storage"] = q.String()
		}
	}
	return errs
}

func amount(p processSpec, kind string, name corev1.ResourceName) (string, *field.Path) {
	if p.resources == nil {
		return "", nil
	}
	list := p.resources.Requests
	if kind == "limits" {
		list = p.resources.Limits
	}
	v, ok := list[name]
	if !ok {
		return "", nil
	}
	return v.String(), p.path.Child("resources", kind).Key(string(name))
}

func has(list v1beta1.ResourceList, name corev1.ResourceName) bool {
	_, ok := list[name]
	return ok
}

func cpuQuantity(cores float64) string {
	return resource.NewMilliQuantity(int64(cores*1000+0.5), resource.DecimalSI).String()
}

// javaDouble formats like Java's Double.toString for ordinary values, which
// is how Flink writes and expects these keys (1.0, 0.5, 2.5).
func javaDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	for _, c := range s {
		if c == '.' {
			return s
		}
	}
	return s + ".0"
}
