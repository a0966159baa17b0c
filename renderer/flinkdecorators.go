package renderer

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Flink's native client builds the JobManager Deployment and the rest
// Service through decorators that read Flink configuration keys, and the
// reference operator builds its standalone Deployments with the same
// decorators (flink-facts.md §3). The renderer builds these objects itself,
// so it reads the keys here and applies them the way the decorators do:
//
//   - ExternalServiceDecorator / ServiceType: the <name>-rest Service gets
//     kubernetes.rest-service.exposed.type (an enum, read ignoring case;
//     Headless_ClusterIP is type ClusterIP with clusterIP None) and
//     kubernetes.rest-service.annotations.
//   - InitJobManagerDecorator, InitStandaloneTaskManagerDecorator and the
//     Deployment factories: kubernetes.{jobmanager,taskmanager}.labels go on
//     the Deployment and its pods, under Flink's own labels (app, component,
//     type) and ours (app.kubernetes.io/managed-by); .annotations go on the
//     Deployment and its pods; .node-selector and .tolerations and
//     kubernetes.container.image.pull-secrets are added to the pod, and
//     containerized.master.env.<NAME> / containerized.taskmanager.env.<NAME>
//     to the main container's environment. All of them win over the user's
//     pod templates, which Flink decorates.
//   - EnvSecretsDecorator and MountSecretsDecorator: kubernetes.env.secretKeyRef
//     adds variables from secret keys and kubernetes.secrets mounts each
//     secret, as volume <secret>-volume, into the main container of both.
//
// The keys are parsed in Go: label names, annotation keys and variable names
// are free-form and must never become CUE labels (schemas/input.cue). In
// native mode Flink creates the TaskManager pods itself from the same keys;
// they are checked here all the same, as a bad value breaks those pods too.

const (
	keyRestServiceType        = "kubernetes.rest-service.exposed.type"
	keyRestServiceAnnotations = "kubernetes.rest-service.annotations"
	keyImagePullSecrets       = "kubernetes.container.image.pull-secrets"
	keySecrets                = "kubernetes.secrets"
	keyEnvSecretKeyRef        = "kubernetes.env.secretKeyRef"

	// podIPEnvName is the variable Flink's decorators point at the pod's
	// IP (templates/common/cluster.cue podIPEnv).
	podIPEnvName = "_POD_IP_ADDRESS"
)

// processKeys are the keys for one kind of Flink process.
type processKeys struct {
	labels, annotations, nodeSelector, tolerations, serviceAccount string
	// envPrefix + NAME sets the variable NAME.
	envPrefix string
}

var (
	jobManagerKeys = processKeys{
		labels:         "kubernetes.jobmanager.labels",
		annotations:    "kubernetes.jobmanager.annotations",
		nodeSelector:   "kubernetes.jobmanager.node-selector",
		tolerations:    "kubernetes.jobmanager.tolerations",
		serviceAccount: "kubernetes.jobmanager.service-account",
		envPrefix:      "containerized.master.env.",
	}
	taskManagerKeys = processKeys{
		labels:         "kubernetes.taskmanager.labels",
		annotations:    "kubernetes.taskmanager.annotations",
		nodeSelector:   "kubernetes.taskmanager.node-selector",
		tolerations:    "kubernetes.taskmanager.tolerations",
		serviceAccount: "kubernetes.taskmanager.service-account",
		envPrefix:      "containerized.taskmanager.env.",
	}
	// decoratorOptions are the keys above that are not prefixes.
	decoratorOptions = []string{
		keyRestServiceType, keyRestServiceAnnotations, keyImagePullSecrets, keySecrets, keyEnvSecretKeyRef,
		jobManagerKeys.labels, jobManagerKeys.annotations, jobManagerKeys.nodeSelector, jobManagerKeys.tolerations, jobManagerKeys.serviceAccount,
		taskManagerKeys.labels, taskManagerKeys.annotations, taskManagerKeys.nodeSelector, taskManagerKeys.tolerations, taskManagerKeys.serviceAccount,
		keyEntryPath, keyFlinkLogDir, keyJobManagerEntrypointArgs, keyHostNetwork,
	}
)

// The forms of the values, for error messages.
const (
	formMap          = "<key>:<value>[,<key>:<value>...]"
	formSecrets      = "<secret name>:<mount path>[,...]"
	formTolerations  = "key:<key>,operator:<Equal|Exists>,value:<value>,effect:<NoSchedule|PreferNoSchedule|NoExecute>[,tolerationSeconds:<seconds>][;...]"
	formSecretKeyRef = "env:<variable>,secret:<secret name>,key:<key in the secret>[;...]"
	formPullSecrets  = "<secret name>[;<secret name>...]"
	formServiceType  = "one of ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP"
)

// flinkDecorations is what the keys ask for, parsed and checked. nil means
// that no key is set, and its methods then do nothing.
type flinkDecorations struct {
	// restServiceType is the rest Service's type; empty keeps the
	// template's (ClusterIP, the key's default).
	restServiceType        string
	restServiceHeadless    bool
	restServiceAnnotations map[string]string
	jobManager             processDecorations
	taskManager            processDecorations
	imagePullSecrets       []string
	// secretVolumes are sorted by secret name.
	secretVolumes []secretVolume
	secretEnv     []secretEnvVar
	// start is how the main containers start (flinkstart.go).
	start startDecorations
	// standaloneJobManager: in standalone mode the reference operator puts
	// kubernetes.jobmanager.labels over the JobManager's selector labels
	// (StandaloneKubernetesJobManagerParameters#getLabels), so one that
	// changes them gives pods the Deployment does not select: an error.
	standaloneJobManager bool
}

type processDecorations struct {
	labels, annotations, nodeSelector map[string]string
	// labelOrigins says which key gave each label, for errors.
	labelOrigins map[string]origin
	tolerations  []any
	// env is sorted by name.
	env []envVar
	// serviceAccount replaces the pod's service account when set.
	serviceAccount string
}

// origin is the configuration key and value something was read from.
type origin struct{ key, value string }

type envVar struct{ name, value string }

type secretVolume struct {
	secret, volume, mountPath string
	from                      origin
}

type secretEnvVar struct{ name, secret, key string }

// usesFlinkDecorators reports whether any of the keys is set; it keeps the
// common case, none, to one pass over the user's keys.
func usesFlinkDecorators(config map[string]string) bool {
	for k := range config {
		switch {
		case strings.HasPrefix(k, "containerized."):
			if strings.HasPrefix(k, jobManagerKeys.envPrefix) || strings.HasPrefix(k, taskManagerKeys.envPrefix) {
				return true
			}
		case strings.HasPrefix(k, "kubernetes."):
			for _, opt := range decoratorOptions {
				if strings.HasPrefix(k, opt) && (len(k) == len(opt) || k[len(opt)] == '.') {
					return true
				}
			}
		}
	}
	return false
}

// parseFlinkDecorations reads the keys from the user's configuration.
// yamlFirst says whether Flink reads values as YAML first (config.yaml,
// Flink 2.x); it is only asked when a key is set.
func parseFlinkDecorations(config map[string]string, yamlFirst func() bool, standalone bool) (*flinkDecorations, field.ErrorList) {
	if !usesFlinkDecorators(config) {
		return nil, nil
	}
	// The parser works on its own copy: the caller's map then stays off
	// the heap in the common case (no key set), which renders measure.
	own := make(map[string]string, len(config))
	for k, v := range config {
		own[k] = v
	}
	p := &decoratorParser{config: own, yamlFirst: yamlFirst()}
	d := &flinkDecorations{standaloneJobManager: standalone}
	d.restServiceType, d.restServiceHeadless = p.serviceType()
	d.restServiceAnnotations, _ = p.mapOption(keyRestServiceAnnotations, formMap, annotationProblem)
	d.jobManager = p.process(jobManagerKeys, podIPEnvName)
	d.taskManager = p.process(taskManagerKeys, "")
	d.imagePullSecrets = p.pullSecrets()
	d.secretVolumes = p.secretVolumes()
	d.secretEnv = p.secretEnv()
	d.start = p.start()
	return d, p.errs
}

type decoratorParser struct {
	config    map[string]string
	yamlFirst bool
	errs      field.ErrorList
}

func (p *decoratorParser) invalid(key, value, msg string) {
	p.errs = append(p.errs, field.Invalid(configPath(key), value, msg))
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
	raw, ok := p.config[keyRestServiceType]
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
	p.invalid(keyRestServiceType, raw, "must be "+formServiceType)
	return "", false
}

// mapOption reads a map-typed key. As in Flink's Configuration, a map is
// also read from prefixed keys (key.<name>: value, which is what nested
// YAML under the key flattens to) when the key itself is absent. check
// returns what is wrong with an entry, or "".
func (p *decoratorParser) mapOption(key, form string, check func(k, v string) string) (map[string]string, map[string]origin) {
	if raw, ok := p.config[key]; ok {
		entries, err := parseMapValue(raw, p.yamlFirst)
		if err != nil {
			p.invalid(key, raw, fmt.Sprintf("must be %s: %v", form, err))
			return nil, nil
		}
		m := make(map[string]string, len(entries))
		origins := make(map[string]origin, len(entries))
		for _, e := range entries {
			if msg := check(e.key, e.value); msg != "" {
				p.invalid(key, raw, msg)
				return nil, nil
			}
			m[e.key] = e.value
			origins[e.key] = origin{key, raw}
		}
		return m, origins
	}
	var m map[string]string
	var origins map[string]origin
	for _, k := range p.keysWithPrefix(key + ".") {
		name, value := k[len(key)+1:], p.config[k]
		if msg := check(name, value); msg != "" {
			p.invalid(k, value, msg)
			continue
		}
		if m == nil {
			m, origins = map[string]string{}, map[string]origin{}
		}
		m[name] = value
		origins[name] = origin{k, value}
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

func (p *decoratorParser) process(keys processKeys, reservedEnv string) processDecorations {
	var d processDecorations
	d.labels, d.labelOrigins = p.mapOption(keys.labels, formMap, labelProblem)
	d.annotations, _ = p.mapOption(keys.annotations, formMap, annotationProblem)
	d.nodeSelector, _ = p.mapOption(keys.nodeSelector, formMap, nodeSelectorProblem)
	d.tolerations = p.tolerations(keys.tolerations)
	d.env = p.env(keys.envPrefix, reservedEnv)
	d.serviceAccount = p.serviceAccount(keys.serviceAccount)
	return d
}

func (p *decoratorParser) tolerations(key string) []any {
	raw, ok := p.listOption(key, formTolerations)
	if !ok {
		return nil
	}
	items, err := parseMapListValue(raw, p.yamlFirst)
	if err != nil {
		p.invalid(key, raw, fmt.Sprintf("must be %s: %v", formTolerations, err))
		return nil
	}
	out := make([]any, 0, len(items))
	for i, item := range items {
		t, msg := toleration(item)
		if msg != "" {
			p.invalid(key, raw, fmt.Sprintf("toleration %d: %s", i+1, msg))
			return nil
		}
		out = append(out, t)
	}
	return out
}

// toleration builds a toleration the way Flink's KubernetesToleration does
// (field names ignoring case) and checks it as Kubernetes would.
func toleration(entries []mapEntry) (map[string]any, string) {
	t := make(map[string]any, len(entries))
	var key, operator, value, effect string
	for _, e := range entries {
		var name string
		switch strings.ToLower(e.key) {
		case "key":
			name, key = "key", e.value
		case "operator":
			name, operator = "operator", e.value
		case "value":
			name, value = "value", e.value
		case "effect":
			name, effect = "effect", e.value
		case "tolerationseconds":
			name = "tolerationSeconds"
		default:
			return nil, fmt.Sprintf("unknown field %q; a toleration has key, operator, value, effect and tolerationSeconds", e.key)
		}
		if _, dup := t[name]; dup {
			return nil, fmt.Sprintf("%s is given twice", name)
		}
		t[name] = e.value
		if name == "tolerationSeconds" {
			n, err := strconv.ParseInt(e.value, 10, 64)
			if err != nil {
				return nil, fmt.Sprintf("tolerationSeconds %q is not a whole number", e.value)
			}
			t[name] = n
		}
	}
	_, hasSeconds := t["tolerationSeconds"]
	switch {
	case key != "" && len(content.IsLabelKey(key)) > 0:
		return nil, fmt.Sprintf("key %q is not a valid label name: %s", key, strings.Join(content.IsLabelKey(key), "; "))
	case key == "" && operator != "Exists":
		return nil, "operator must be Exists when key is empty (which matches every taint)"
	case hasSeconds && effect != "NoExecute":
		return nil, "effect must be NoExecute when tolerationSeconds is set"
	}
	switch operator {
	case "", "Equal":
		if msgs := content.IsLabelValue(value); len(msgs) > 0 {
			return nil, fmt.Sprintf("value %q is not a valid label value: %s", value, strings.Join(msgs, "; "))
		}
	case "Exists":
		if value != "" {
			return nil, "value must be empty when operator is Exists"
		}
	default:
		return nil, fmt.Sprintf("operator %q must be Equal or Exists", operator)
	}
	switch effect {
	case "", "NoSchedule", "PreferNoSchedule", "NoExecute":
	default:
		return nil, fmt.Sprintf("effect %q must be NoSchedule, PreferNoSchedule or NoExecute", effect)
	}
	return t, ""
}

// env reads prefix + NAME keys (ConfigurationUtils#getPrefixedKeyValuePairs).
func (p *decoratorParser) env(prefix, reserved string) []envVar {
	var out []envVar
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
		out = append(out, envVar{name, value})
	}
	return out
}

func (p *decoratorParser) pullSecrets() []string {
	raw, ok := p.config[keyImagePullSecrets]
	if !ok {
		return nil
	}
	items, err := parseStringListValue(raw, p.yamlFirst)
	if err != nil {
		p.invalid(keyImagePullSecrets, raw, fmt.Sprintf("must be %s: %v", formPullSecrets, err))
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
			p.invalid(keyImagePullSecrets, raw, fmt.Sprintf("%q is not a valid secret name: %s", name, strings.Join(msgs, "; ")))
			return nil
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}

func (p *decoratorParser) secretVolumes() []secretVolume {
	m, origins := p.mapOption(keySecrets, formSecrets, secretMountProblem)
	if len(m) == 0 {
		return nil
	}
	out := make([]secretVolume, 0, len(m))
	for secret, mountPath := range m {
		out = append(out, secretVolume{secret: secret, volume: secretVolumeName(secret), mountPath: mountPath, from: origins[secret]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].secret < out[j].secret })
	paths := map[string]string{}
	for _, v := range out {
		clean := path.Clean(v.mountPath)
		if other, dup := paths[clean]; dup {
			p.invalid(v.from.key, v.from.value, fmt.Sprintf("secrets %q and %q are both mounted at %s", other, v.secret, clean))
			return nil
		}
		paths[clean] = v.secret
	}
	return out
}

// secretVolumeName is the name MountSecretsDecorator gives a secret's volume.
func secretVolumeName(secret string) string { return secret + "-volume" }

func (p *decoratorParser) secretEnv() []secretEnvVar {
	raw, ok := p.listOption(keyEnvSecretKeyRef, formSecretKeyRef)
	if !ok {
		return nil
	}
	items, err := parseMapListValue(raw, p.yamlFirst)
	if err != nil {
		p.invalid(keyEnvSecretKeyRef, raw, fmt.Sprintf("must be %s: %v", formSecretKeyRef, err))
		return nil
	}
	out := make([]secretEnvVar, 0, len(items))
	names := map[string]bool{}
	for i, item := range items {
		v, msg := secretEnvEntry(item)
		if msg == "" && names[v.name] {
			msg = fmt.Sprintf("the variable %q is given twice", v.name)
		}
		if msg != "" {
			p.invalid(keyEnvSecretKeyRef, raw, fmt.Sprintf("item %d: %s", i+1, msg))
			return nil
		}
		names[v.name] = true
		out = append(out, v)
	}
	return out
}

// secretEnvEntry reads one env:NAME,secret:S,key:K item (Flink's
// KubernetesSecretEnvVar reads exactly these three names).
func secretEnvEntry(entries []mapEntry) (secretEnvVar, string) {
	var v secretEnvVar
	got := map[string]bool{}
	for _, e := range entries {
		switch e.key {
		case "env":
			v.name = e.value
		case "secret":
			v.secret = e.value
		case "key":
			v.key = e.value
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
	if msgs := validation.IsRelaxedEnvVarName(v.name); len(msgs) > 0 {
		return v, fmt.Sprintf("%q is not a valid environment variable name: %s", v.name, strings.Join(msgs, "; "))
	}
	if v.name == podIPEnvName {
		return v, fmt.Sprintf("Flink sets %s to the pod's IP address itself", podIPEnvName)
	}
	if msgs := content.IsDNS1123Subdomain(v.secret); len(msgs) > 0 {
		return v, fmt.Sprintf("%q is not a valid secret name: %s", v.secret, strings.Join(msgs, "; "))
	}
	if msgs := validation.IsConfigMapKey(v.key); len(msgs) > 0 {
		return v, fmt.Sprintf("%q is not a valid secret key: %s", v.key, strings.Join(msgs, "; "))
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

// mountsUnder reports whether a secret is mounted at or below dir.
func (d *flinkDecorations) mountsUnder(dir string) bool {
	if d == nil {
		return false
	}
	for _, v := range d.secretVolumes {
		p := path.Clean(v.mountPath)
		if p == dir || strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// decorateRestService applies the rest Service keys.
func (d *flinkDecorations) decorateRestService(u *unstructured.Unstructured) {
	if d == nil {
		return
	}
	spec := childMap(u.Object, "spec")
	if d.restServiceType != "" {
		spec["type"] = d.restServiceType
	}
	if d.restServiceHeadless {
		spec["clusterIP"] = "None"
	}
	if len(d.restServiceAnnotations) > 0 {
		u.SetAnnotations(overlay(u.GetAnnotations(), d.restServiceAnnotations))
	}
}

// decorateDeployment applies the keys to a JobManager or TaskManager
// Deployment after the user's pod templates are merged into it. The
// component label says which process it runs.
func (d *flinkDecorations) decorateDeployment(u *unstructured.Unstructured) field.ErrorList {
	if d == nil {
		return nil
	}
	var proc *processDecorations
	switch u.GetLabels()["component"] {
	case "jobmanager":
		proc = &d.jobManager
	case "taskmanager":
		proc = &d.taskManager
	default:
		return nil
	}
	spec := childMap(u.Object, "spec")
	selector, _ := childMap(spec, "selector")["matchLabels"].(map[string]any)
	if d.standaloneJobManager && proc == &d.jobManager {
		if errs := selectorConflicts(proc, selector); len(errs) > 0 {
			return errs
		}
	}
	if len(proc.labels) > 0 {
		u.SetLabels(overlay(proc.labels, u.GetLabels()))
	}
	if len(proc.annotations) > 0 {
		u.SetAnnotations(overlay(u.GetAnnotations(), proc.annotations))
	}

	template := childMap(spec, "template")
	metadata := childMap(template, "metadata")
	pod := childMap(template, "spec")
	if len(proc.labels) > 0 {
		labels := copyMap(metadata["labels"])
		for k, v := range proc.labels {
			if _, ours := selector[k]; !ours {
				labels[k] = v
			}
		}
		metadata["labels"] = labels
	}
	overlayInto(metadata, "annotations", proc.annotations)
	overlayInto(pod, "nodeSelector", proc.nodeSelector)
	if len(proc.tolerations) > 0 {
		existing, _ := pod["tolerations"].([]any)
		pod["tolerations"] = append(append([]any{}, existing...), deepCopyList(proc.tolerations)...)
	}
	if len(d.imagePullSecrets) > 0 {
		existing, _ := pod["imagePullSecrets"].([]any)
		secrets := append([]any{}, existing...)
		for _, name := range d.imagePullSecrets {
			if namedItem(secrets, name) == nil {
				secrets = append(secrets, map[string]any{"name": name})
			}
		}
		pod["imagePullSecrets"] = secrets
	}

	containers, _ := pod["containers"].([]any)
	main := namedItem(containers, mainContainerName)
	d.decorateStart(pod, main, proc, !d.standaloneJobManager && proc == &d.jobManager)
	if main == nil {
		return nil
	}
	d.decorateEnv(main, proc.env)
	if errs := d.mountSecrets(pod, main); len(errs) > 0 {
		return errs
	}
	// The init container that fetches the job's jar gets the same
	// credentials as the main container from these keys, as it does from
	// the pod templates (artifact.go, inheritIntoFetcher): the variables,
	// and the secret volumes read-only.
	if fetch := namedItem(pod["initContainers"], fetchContainerName); fetch != nil {
		d.decorateEnv(fetch, proc.env)
		d.mountSecretsReadOnly(fetch)
	}
	return nil
}

// mountSecretsReadOnly mounts the secret volumes (which mountSecrets added
// to the pod) in another container, read-only, skipping paths it already
// mounts.
func (d *flinkDecorations) mountSecretsReadOnly(container map[string]any) {
	if len(d.secretVolumes) == 0 {
		return
	}
	mounts, _ := container["volumeMounts"].([]any)
	mounts = append([]any{}, mounts...)
	for _, v := range d.secretVolumes {
		if indexOfMountPath(mounts, v.mountPath) < 0 {
			mounts = append(mounts, map[string]any{"name": v.volume, "mountPath": v.mountPath, "readOnly": true})
		}
	}
	container["volumeMounts"] = mounts
}

func indexOfMountPath(mounts []any, mountPath string) int {
	for i, m := range mounts {
		if mp, ok := m.(map[string]any)["mountPath"].(string); ok && path.Clean(mp) == path.Clean(mountPath) {
			return i
		}
	}
	return -1
}

// selectorConflicts reports the labels of a standalone JobManager that would
// change its selector labels.
func selectorConflicts(proc *processDecorations, selector map[string]any) field.ErrorList {
	var errs field.ErrorList
	names := make([]string, 0, len(proc.labels))
	for k := range proc.labels {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		want, ok := selector[k]
		if !ok || want == proc.labels[k] {
			continue
		}
		from := proc.labelOrigins[k]
		errs = append(errs, field.Invalid(configPath(from.key), from.value, fmt.Sprintf(
			"label %q selects the JobManager's pods and must stay %q: standalone Flink puts these labels over its own, and pods that do not match their Deployment's selector are rejected", k, want)))
	}
	return errs
}

// decorateEnv adds the containerized.*.env variables before
// _POD_IP_ADDRESS (where InitJobManagerDecorator puts them) and the secret
// variables at the end. A variable the pod template already defines is
// replaced in place: Flink appends, and the last definition wins.
func (d *flinkDecorations) decorateEnv(main map[string]any, vars []envVar) {
	if len(vars) == 0 && len(d.secretEnv) == 0 {
		return
	}
	existing, _ := main["env"].([]any)
	env := append(make([]any, 0, len(existing)+len(vars)+len(d.secretEnv)), existing...)
	var added []any
	for _, v := range vars {
		item := map[string]any{"name": v.name, "value": v.value}
		if i := indexOfName(env, v.name); i >= 0 {
			env[i] = item
		} else {
			added = append(added, item)
		}
	}
	if len(added) > 0 {
		at := indexOfName(env, podIPEnvName)
		if at < 0 {
			at = len(env)
		}
		env = append(env[:at], append(added, env[at:]...)...)
	}
	for _, v := range d.secretEnv {
		item := map[string]any{"name": v.name, "valueFrom": map[string]any{
			"secretKeyRef": map[string]any{"name": v.secret, "key": v.key},
		}}
		if i := indexOfName(env, v.name); i >= 0 {
			env[i] = item
		} else {
			env = append(env, item)
		}
	}
	main["env"] = env
}

// mountSecrets adds a volume per secret and mounts it in the main
// container. Flink only appends, so a name or path the pod already uses
// would give a pod Kubernetes rejects: an error here.
func (d *flinkDecorations) mountSecrets(pod, main map[string]any) field.ErrorList {
	if len(d.secretVolumes) == 0 {
		return nil
	}
	volumes, _ := pod["volumes"].([]any)
	mounts, _ := main["volumeMounts"].([]any)
	paths := map[string]bool{}
	for _, m := range mounts {
		if mp, ok := m.(map[string]any)["mountPath"].(string); ok {
			paths[path.Clean(mp)] = true
		}
	}
	var errs field.ErrorList
	volumes = append([]any{}, volumes...)
	mounts = append([]any{}, mounts...)
	for _, v := range d.secretVolumes {
		switch {
		case namedItem(volumes, v.volume) != nil:
			errs = append(errs, field.Invalid(configPath(v.from.key), v.from.value, fmt.Sprintf(
				"the pod already has a volume named %q, the name Flink gives the volume of secret %q", v.volume, v.secret)))
		case paths[path.Clean(v.mountPath)]:
			errs = append(errs, field.Invalid(configPath(v.from.key), v.from.value, fmt.Sprintf(
				"the main container already mounts a volume at %s, where secret %q would go", path.Clean(v.mountPath), v.secret)))
		default:
			volumes = append(volumes, map[string]any{"name": v.volume, "secret": map[string]any{"secretName": v.secret}})
			mounts = append(mounts, map[string]any{"name": v.volume, "mountPath": v.mountPath})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	pod["volumes"] = volumes
	main["volumeMounts"] = mounts
	return nil
}

// childMap returns m[key] as a map, adding an empty one when absent.
func childMap(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// overlay returns base with top's entries over it, as a new map.
func overlay(base, top map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(top))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range top {
		out[k] = v
	}
	return out
}

// overlayInto puts top's entries over the string map m[key], copying it
// first.
func overlayInto(m map[string]any, key string, top map[string]string) {
	if len(top) == 0 {
		return
	}
	out := copyMap(m[key])
	for k, v := range top {
		out[k] = v
	}
	m[key] = out
}

func copyMap(v any) map[string]any {
	src, _ := v.(map[string]any)
	out := make(map[string]any, len(src)+4)
	for k, v := range src {
		out[k] = v
	}
	return out
}

func deepCopyList(l []any) []any {
	out := make([]any, len(l))
	for i, item := range l {
		out[i] = copyMap(item)
	}
	return out
}

func indexOfName(list []any, name string) int {
	for i, item := range list {
		if m, ok := item.(map[string]any); ok && m["name"] == name {
			return i
		}
	}
	return -1
}
