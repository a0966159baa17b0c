package renderer

import (
	"fmt"
	"io/fs"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"

	flinkoperator "github.com/flinkops/flink-operator"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// templateKey selects a template: deployment mode and Flink version.
// Application versus session is decided inside a template by input.job.
type templateKey struct {
	mode    v1beta1.DeploymentMode
	version v1beta1.FlinkVersion
}

// templateSet builds the version table once and each mode's package and
// template key on first use, so a process that renders one mode (a
// flink-render run, most fleets) never builds the other. Built values are
// immutable and, with cuelang.org/go v0.17, safe for concurrent use, so
// renders share them without locks.
type templateSet struct {
	ctx    *cue.Context
	module fs.FS
	// checked keeps CUE's closedness checks on (see renderOptions). Tests
	// build such a set to hold the templates and Go's inputs to their
	// definitions.
	checked bool
	once    sync.Once
	loadErr error
	table   cue.Value

	mu    sync.Mutex
	modes map[v1beta1.DeploymentMode]cue.Value
	built map[templateKey]cue.Value
}

var templates = &templateSet{module: flinkoperator.CUEModule}

// renderOptions configure the CUE context renders use. Both options are
// cuecontext.CUE_DEBUG's, the public switch of cuelang.org/go v0.17 for
// evaluator settings, and both skip work whose result renders never use:
//
//   - opendef: definitions are not closed, so the evaluator does not check
//     every struct of the result for fields a definition does not allow.
//     That check finds mistakes in templates and in inputs Go builds from
//     typed, validated data; the tests find those instead, by rendering
//     every golden case and example with the check on and comparing
//     (TestRendersMatchCheckedRenders), and by checking every input against
//     schemas.#Input with it on (contract_test.go). It was about a tenth of
//     every render's instructions.
//   - sortfields: a struct's fields are listed in name order rather than
//     in CUE's topological order, which is computed for each struct
//     decoded. Every decoded struct ends in a Go map, which has no order.
//     A template that lists a struct's fields (configFiles) gets them in
//     name order, which the golden files hold.
//
// Measured in BENCHMARKS.md ("The redesign (issue 17)").
const renderOptions = "opendef,sortfields"

// modePackages maps each deployment mode to its template package.
var modePackages = map[v1beta1.DeploymentMode]string{
	v1beta1.ModeNative:     "./templates/native",
	v1beta1.ModeStandalone: "./templates/standalone",
}

func (t *templateSet) load() error {
	t.once.Do(func() {
		if t.checked {
			t.ctx = cuecontext.New()
		} else {
			t.ctx = cuecontext.New(cuecontext.CUE_DEBUG(renderOptions))
		}
		t.modes = map[v1beta1.DeploymentMode]cue.Value{}
		t.built = map[templateKey]cue.Value{}
		versions, err := t.buildPackage(versionsPackage)
		if err != nil {
			t.loadErr = err
			return
		}
		if t.table = versions.LookupPath(pathVersionTable); !t.table.Exists() {
			t.loadErr = fmt.Errorf("CUE package %s has no %s", versionsPackage, pathVersionTable)
		}
	})
	return t.loadErr
}

func (t *templateSet) buildPackage(pkg string) (cue.Value, error) {
	insts := load.Instances([]string{pkg}, &load.Config{FS: t.module, ModuleRoot: "/"})
	if len(insts) != 1 || insts[0].Err != nil {
		return cue.Value{}, fmt.Errorf("load CUE package %s: %w", pkg, insts[0].Err)
	}
	v := t.ctx.BuildInstance(insts[0])
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("build CUE package %s: %w", pkg, err)
	}
	return v, nil
}

// get returns the template for a key with its version facts filled in.
func (t *templateSet) get(key templateKey) (cue.Value, error) {
	if err := t.load(); err != nil {
		return cue.Value{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.built[key]; ok {
		return v, nil
	}
	base, ok := t.modes[key.mode]
	if !ok {
		pkg, known := modePackages[key.mode]
		if !known {
			return cue.Value{}, fmt.Errorf("no template for mode %q", key.mode)
		}
		var err error
		if base, err = t.buildPackage(pkg); err != nil {
			return cue.Value{}, err
		}
		t.modes[key.mode] = base
	}
	facts := t.table.LookupPath(cue.MakePath(cue.Str(string(key.version))))
	if !facts.Exists() {
		return cue.Value{}, fmt.Errorf("no version facts for flinkVersion %q in templates/versions", key.version)
	}
	// Filling the entry of the already evaluated versions package (rather
	// than a copy of it) lets every render share it.
	v := base.FillPath(pathVersion, facts)
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("template %s/%s: %w", key.mode, key.version, err)
	}
	t.built[key] = v
	return v, nil
}
