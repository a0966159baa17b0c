package flinkconf

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Secret env entries, and the checks on label, annotation, node selector
// and mount values that the decorator keys give.

func (p *decoratorParser) secretEnv() []SecretEnvVar {
	raw, ok := p.listOption(KeyEnvSecretKeyRef, formSecretKeyRef)
	if !ok {
		return nil
	}
	items, err := parseMapListValue(raw, p.yamlFirst)
	if err != nil {
		p.invalid(KeyEnvSecretKeyRef, raw, fmt.Sprintf("must be %s: %v", formSecretKeyRef, err))
		return nil
	}
	out := make([]SecretEnvVar, 0, len(items))
	names := map[string]bool{}
	for i, item := range items {
		v, msg := secretEnvEntry(item)
		if msg == "" && names[v.Name] {
			msg = fmt.Sprintf("the variable %q is given twice", v.Name)
		}
		if msg != "" {
			p.invalid(KeyEnvSecretKeyRef, raw, fmt.Sprintf("item %d: %s", i+1, msg))
			return nil
		}
		names[v.Name] = true
		out = append(out, v)
	}
	return out
}

// secretEnvEntry reads one env:NAME,secret:S,key:K item (Flink's
// KubernetesSecretEnvVar reads exactly these three names).
func secretEnvEntry(entries []mapEntry) (SecretEnvVar, string) {
	var v SecretEnvVar
	got := map[string]bool{}
	for _, e := range entries {
		switch e.key {
		case "env":
			v.Name = e.value
		case "secret":
			v.Secret = e.value
		case "key":
			v.Key = e.value
		default:
			return v, fmt.Sprintf("unknown field %q; each item has env, secret and key", e.key)
		}
		if got[e.key] {
			return v, fmt.Sprintf("%s is given twice", e.key)
		}
		got[e.key] = true
	}
	if !got["env"] || !got["secret"] || !got["key"] {
		return v, "each item needs env, secret and key"
	}
	if msgs := validation.IsRelaxedEnvVarName(v.Name); len(msgs) > 0 {
		return v, fmt.Sprintf("%q is not a valid environment variable name: %s", v.Name, strings.Join(msgs, "; "))
	}
	if v.Name == PodIPEnvName {
		return v, fmt.Sprintf("Flink sets %s to the pod's IP address itself", PodIPEnvName)
	}
	if msgs := content.IsDNS1123Subdomain(v.Secret); len(msgs) > 0 {
		return v, fmt.Sprintf("%q is not a valid secret name: %s", v.Secret, strings.Join(msgs, "; "))
	}
	if msgs := validation.IsConfigMapKey(v.Key); len(msgs) > 0 {
		return v, fmt.Sprintf("%q is not a valid secret key: %s", v.Key, strings.Join(msgs, "; "))
	}
	return v, ""
}

func labelProblem(k, v string) string {
	if msgs := content.IsLabelKey(k); len(msgs) > 0 {
		return fmt.Sprintf("%q is not a valid label name: %s", k, strings.Join(msgs, "; "))
	}
	if msgs := content.IsLabelValue(v); len(msgs) > 0 {
		return fmt.Sprintf("the value %q of label %q is not a valid label value: %s", v, k, strings.Join(msgs, "; "))
	}
	return ""
}

func annotationProblem(k, _ string) string {
	// Annotation keys are label names, ignoring case.
	if msgs := content.IsLabelKey(strings.ToLower(k)); len(msgs) > 0 {
		return fmt.Sprintf("%q is not a valid annotation key: %s", k, strings.Join(msgs, "; "))
	}
	return ""
}

func nodeSelectorProblem(k, v string) string {
	if msg := labelProblem(k, v); msg != "" {
		return "node selector: " + msg
	}
	return ""
}

func secretMountProblem(secret, mountPath string) string {
	if msgs := content.IsDNS1123Subdomain(secret); len(msgs) > 0 {
		return fmt.Sprintf("must be %s: %q is not a valid secret name: %s", formSecrets, secret, strings.Join(msgs, "; "))
	}
	if msgs := content.IsDNS1123Label(secretVolumeName(secret)); len(msgs) > 0 {
		return fmt.Sprintf("Flink mounts secret %q as volume %q, which is not a valid volume name: %s", secret, secretVolumeName(secret), strings.Join(msgs, "; "))
	}
	if !strings.HasPrefix(mountPath, "/") {
		return fmt.Sprintf("must be %s: the mount path %q of secret %q is not absolute", formSecrets, mountPath, secret)
	}
	return ""
}
