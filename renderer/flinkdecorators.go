package renderer

import (
	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// Flink's decorators read Kubernetes keys of the Flink configuration (the
// labels, annotations, node selectors, tolerations, pull secrets, env,
// secrets and service type of its objects, and how its containers start);
// schemas/flinkconf/decorations.go says which and what Flink does with
// them, and reads them once, into Settings.Decorations.
//
// The renderer builds these objects itself. What the keys ask for goes
// into the templates' input as typed lists and values (input.decorations,
// #Decorations in schemas/input.cue), and the templates build every field
// from it: the Service type, command, args, service accounts, and the
// tolerations, pull secrets, variables and secret volumes
// (common.#PodDecorations). Only the maps whose keys the user chooses
// (labels, annotations, node selectors) stay in Go, as free-form keys must
// never become CUE labels; overlay.go adds them, and the templates'
// appended lists, after the user's pod templates are merged
// (decorator_apply.go).

// fillDecorations passes what the templates place into their input: the
// decorations, and each process's service account (spec.serviceAccount
// unless a key names another).
func fillDecorations(in *templateInput, d *flinkconf.Decorations) {
	if d == nil {
		return
	}
	in.Decorations = &decorationsInput{
		RestServiceType:     d.RestServiceType,
		RestServiceHeadless: d.RestServiceHeadless,
		EntryPath:           d.Start.EntryPath,
		JobManagerArgs:      d.Start.JobManagerArgs,
		LogDir:              d.Start.LogDir,
		ImagePullSecrets:    d.ImagePullSecrets,
		Secrets:             secretVolumes(d.SecretVolumes),
		SecretEnv:           secretEnv(d.SecretEnv),
		JobManager:          processDecorations(d.JobManager),
		TaskManager:         processDecorations(d.TaskManager),
	}
	if d.JobManager.ServiceAccount != "" {
		in.JobManager.ServiceAccount = d.JobManager.ServiceAccount
	}
	if d.TaskManager.ServiceAccount != "" {
		in.TaskManager.ServiceAccount = d.TaskManager.ServiceAccount
	}
}

// The conversions below copy the typed settings into the input's types,
// whose json tags name the CUE fields (contract.go).

func processDecorations(p flinkconf.ProcessDecorations) processDecorationsInput {
	var out processDecorationsInput
	for _, t := range p.Tolerations {
		out.Tolerations = append(out.Tolerations, toleration(t))
	}
	for _, e := range p.Env {
		out.Env = append(out.Env, envVar(e))
	}
	return out
}

func secretVolumes(in []flinkconf.SecretVolume) []secretVolume {
	var out []secretVolume
	for _, v := range in {
		out = append(out, secretVolume{Secret: v.Secret, Volume: v.Volume, MountPath: v.MountPath})
	}
	return out
}

func secretEnv(in []flinkconf.SecretEnvVar) []secretEnvVar {
	var out []secretEnvVar
	for _, v := range in {
		out = append(out, secretEnvVar(v))
	}
	return out
}
