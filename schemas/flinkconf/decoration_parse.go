package flinkconf

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Reading the decorator keys of the Flink configuration (decorations.go
// says which and why): the parser, and the list and map options.

type decoratorParser struct {
	config    map[string]string
	yamlFirst bool
	errs      field.ErrorList
}

func (p *decoratorParser) invalid(key, value, msg string) {
	p.errs = append(p.errs, field.Invalid(Path(key), value, msg))
}

// keysWithPrefix lists the user's keys that start with prefix, sorted.
func (p *decoratorParser) keysWithPrefix(prefix string) []string {
	var keys []string
	for k := range p.config {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (p *decoratorParser) serviceType() (string, bool) {
	raw, ok := p.config[KeyRestServiceType]
	if !ok {
		return "", false
	}
	// Flink reads enums ignoring case (ConfigurationUtils#convertToEnum).
	for _, t := range []string{"ClusterIP", "NodePort", "LoadBalancer"} {
		if strings.EqualFold(raw, t) {
			return t, false
		}
	}
	if strings.EqualFold(raw, "Headless_ClusterIP") {
		return "ClusterIP", true
	}
	p.invalid(KeyRestServiceType, raw, "must be "+formServiceType)
	return "", false
}

// mapOption reads a map-typed key. As in Flink's Configuration, a map is
// also read from prefixed keys (key.<name>: value, which is what nested
// YAML under the key flattens to) when the key itself is absent. check
// returns what is wrong with an entry, or "".
func (p *decoratorParser) mapOption(key, form string, check func(k, v string) string) (map[string]string, map[string]Origin) {
	if raw, ok := p.config[key]; ok {
		entries, err := parseMapValue(raw, p.yamlFirst)
		if err != nil {
			p.invalid(key, raw, fmt.Sprintf("must be %s: %v", form, err))
			return nil, nil
		}
		m := make(map[string]string, len(entries))
		origins := make(map[string]Origin, len(entries))
		for _, e := range entries {
			if msg := check(e.key, e.value); msg != "" {
				p.invalid(key, raw, msg)
				return nil, nil
			}
			m[e.key] = e.value
			origins[e.key] = Origin{Key: key, Value: raw}
		}
		return m, origins
	}
	var m map[string]string
	var origins map[string]Origin
	for _, k := range p.keysWithPrefix(key + ".") {
		name, value := k[len(key)+1:], p.config[k]
		if msg := check(name, value); msg != "" {
			p.invalid(k, value, msg)
			continue
		}
		if m == nil {
			m, origins = map[string]string{}, map[string]Origin{}
		}
		m[name] = value
		origins[name] = Origin{Key: k, Value: value}
	}
	return m, origins
}

// listOption returns the raw value of a list-typed key. Flink reads lists
// only from the key itself; keys below it are an error.
func (p *decoratorParser) listOption(key, form string) (string, bool) {
	raw, ok := p.config[key]
	if !ok {
		for _, k := range p.keysWithPrefix(key + ".") {
			p.invalid(k, p.config[k], fmt.Sprintf("%s is a list given as one value, %s; Flink does not read keys below it", key, form))
		}
	}
	return raw, ok
}

func (p *decoratorParser) process(keys processKeys, reservedEnv string) ProcessDecorations {
	var d ProcessDecorations
	d.Labels, d.LabelOrigins = p.mapOption(keys.labels, formMap, labelProblem)
	d.Annotations, _ = p.mapOption(keys.annotations, formMap, annotationProblem)
	d.NodeSelector, _ = p.mapOption(keys.nodeSelector, formMap, nodeSelectorProblem)
	d.Tolerations = p.tolerations(keys.tolerations)
	d.Env = p.env(keys.envPrefix, reservedEnv)
	d.ServiceAccount = p.serviceAccount(keys.serviceAccount)
	return d
}

func (p *decoratorParser) tolerations(key string) []Toleration {
	raw, ok := p.listOption(key, formTolerations)
	if !ok {
		return nil
	}
	items, err := parseMapListValue(raw, p.yamlFirst)
	if err != nil {
		p.invalid(key, raw, fmt.Sprintf("must be %s: %v", formTolerations, err))
		return nil
	}
	out := make([]Toleration, 0, len(items))
	for i, item := range items {
		t, msg := parseToleration(item)
		if msg != "" {
			p.invalid(key, raw, fmt.Sprintf("toleration %d: %s", i+1, msg))
			return nil
		}
		out = append(out, t)
	}
	return out
}

// parseToleration builds a toleration the way Flink's KubernetesToleration
// does (field names ignoring case) and checks it as Kubernetes would.
func parseToleration(entries []mapEntry) (Toleration, string) {
	var t Toleration
	var key, operator, value, effect string
	for _, e := range entries {
		var name string
		var dup bool
		v := e.value
		switch strings.ToLower(e.key) {
		case "key":
			name, key, dup, t.Key = "key", v, t.Key != nil, &v
		case "operator":
			name, operator, dup, t.Operator = "operator", v, t.Operator != nil, &v
		case "value":
			name, value, dup, t.Value = "value", v, t.Value != nil, &v
		case "effect":
			name, effect, dup, t.Effect = "effect", v, t.Effect != nil, &v
		case "tolerationseconds":
			name, dup = "tolerationSeconds", t.TolerationSeconds != nil
		default:
			return t, fmt.Sprintf("unknown field %q; a toleration has key, operator, value, effect and tolerationSeconds", e.key)
		}
		if dup {
			return t, fmt.Sprintf("%s is given twice", name)
		}
		if name == "tolerationSeconds" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return t, fmt.Sprintf("tolerationSeconds %q is not a whole number", v)
			}
			t.TolerationSeconds = &n
		}
	}
	hasSeconds := t.TolerationSeconds != nil
	switch {
	case key != "" && len(content.IsLabelKey(key)) > 0:
		return t, fmt.Sprintf("key %q is not a valid label name: %s", key, strings.Join(content.IsLabelKey(key), "; "))
	case key == "" && operator != "Exists":
		return t, "operator must be Exists when key is empty (which matches every taint)"
	case hasSeconds && effect != "NoExecute":
		return t, "effect must be NoExecute when tolerationSeconds is set"
	}
	switch operator {
	case "", "Equal":
		if msgs := content.IsLabelValue(value); len(msgs) > 0 {
			return t, fmt.Sprintf("value %q is not a valid label value: %s", value, strings.Join(msgs, "; "))
		}
	case "Exists":
		if value != "" {
			return t, "value must be empty when operator is Exists"
		}
	default:
		return t, fmt.Sprintf("operator %q must be Equal or Exists", operator)
	}
	switch effect {
	case "", "NoSchedule", "PreferNoSchedule", "NoExecute":
	default:
		return t, fmt.Sprintf("effect %q must be NoSchedule, PreferNoSchedule or NoExecute", effect)
	}
	return t, ""
}

// env reads prefix + NAME keys (ConfigurationUtils#getPrefixedKeyValuePairs).
func (p *decoratorParser) env(prefix, reserved string) []EnvVar {
	var out []EnvVar
	for _, k := range p.keysWithPrefix(prefix) {
		name, value := k[len(prefix):], p.config[k]
		if name == "" {
			p.invalid(k, value, "the key must name a variable: "+prefix+"<NAME>")
			continue
		}
		if msgs := validation.IsRelaxedEnvVarName(name); len(msgs) > 0 {
			p.invalid(k, value, fmt.Sprintf("%q is not a valid environment variable name: %s", name, strings.Join(msgs, "; ")))
			continue
		}
		if name == reserved {
			p.invalid(k, value, fmt.Sprintf("Flink sets %s to the pod's IP address itself", name))
			continue
		}
		out = append(out, EnvVar{Name: name, Value: value})
	}
	return out
}

func (p *decoratorParser) pullSecrets() []string {
	raw, ok := p.config[KeyImagePullSecrets]
	if !ok {
		return nil
	}
	items, err := parseStringListValue(raw, p.yamlFirst)
	if err != nil {
		p.invalid(KeyImagePullSecrets, raw, fmt.Sprintf("must be %s: %v", formPullSecrets, err))
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, item := range items {
		// AbstractKubernetesParameters#getImagePullSecrets trims and skips
		// empty names.
		name := javaTrim(item)
		if name == "" || seen[name] {
			continue
		}
		if msgs := content.IsDNS1123Subdomain(name); len(msgs) > 0 {
			p.invalid(KeyImagePullSecrets, raw, fmt.Sprintf("%q is not a valid secret name: %s", name, strings.Join(msgs, "; ")))
			return nil
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}

func (p *decoratorParser) secretVolumes() []SecretVolume {
	m, origins := p.mapOption(KeySecrets, formSecrets, secretMountProblem)
	if len(m) == 0 {
		return nil
	}
	out := make([]SecretVolume, 0, len(m))
	for secret, mountPath := range m {
		out = append(out, SecretVolume{Secret: secret, Volume: secretVolumeName(secret), MountPath: mountPath, From: origins[secret]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Secret < out[j].Secret })
	paths := map[string]string{}
	for _, v := range out {
		clean := path.Clean(v.MountPath)
		if other, dup := paths[clean]; dup {
			p.invalid(v.From.Key, v.From.Value, fmt.Sprintf("secrets %q and %q are both mounted at %s", other, v.Secret, clean))
			return nil
		}
		paths[clean] = v.Secret
	}
	return out
}

// secretVolumeName is the name MountSecretsDecorator gives a secret's volume.
func secretVolumeName(secret string) string { return secret + "-volume" }
