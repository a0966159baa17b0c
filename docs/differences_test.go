package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// TestEveryUnsupportedSettingIsListed checks docs/differences.md against
// validation.Unsupported, so a setting the operator starts warning about
// cannot be left out of the one page that lists the differences from the
// reference operator. It reads the settings two ways: every flinkconf key
// constant and spec path unsupported.go names (so a new note is caught even
// if nothing below triggers it), and every field Unsupported reports for a
// FlinkDeployment that asks for all of them (for keys chosen at run time).
func TestEveryUnsupportedSettingIsListed(t *testing.T) {
	data, err := os.ReadFile("differences.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)

	static := unsupportedSourceSettings(t)
	if len(static) < 8 {
		t.Fatalf("found only %d settings in unsupported.go (%v); has the code moved?", len(static), static)
	}
	for _, s := range static {
		if !strings.Contains(doc, "`"+s+"`") {
			t.Errorf("docs/differences.md does not name `%s`, which validation.Unsupported can report", s)
		}
	}

	for _, u := range validation.Unsupported(everyUnsupported()) {
		s := settingName(u.Field.String())
		if !strings.Contains(doc, "`"+s+"`") {
			t.Errorf("docs/differences.md does not name `%s`, which validation.Unsupported reports as %q", s, u.String())
		}
	}
}

// everyUnsupported is a FlinkDeployment that asks for every unsupported
// setting, with the settings as flinkconf reads them.
func everyUnsupported() (*v1beta1.FlinkDeployment, *flinkconf.Settings) {
	nonce := int64(1)
	allow := true
	config := map[string]any{
		flinkconf.KeyAutoscalerEnabled:   "true",
		flinkconf.KeyRollbackEnabled:     "true",
		flinkconf.KeyHealthCheckEnabled:  "true",
		flinkconf.KeyRestartFailed:       "true",
		flinkconf.KeyPeriodicCheckpoint:  "10 min",
		flinkconf.KeySnapshotResource:    "true",
		flinkconf.KeySavepointHistoryMax: "5",
		flinkconf.KeySavepointHistoryAge: "7 d",
		flinkconf.KeyRESTSSL:             "true",
		flinkconf.KeyRESTTruststoreType:  "BCFKS",
		flinkconf.KeyRESTKeystoreType:    "PKCS11",
		flinkconf.KeyRESTCertFingerprint: "AB:CD",
	}
	for _, k := range flinkconf.IgnoreUnclaimedKeys {
		config[k] = "false"
	}
	fd := &v1beta1.FlinkDeployment{Spec: v1beta1.FlinkDeploymentSpec{
		FlinkVersion:       "v1_20",
		FlinkConfiguration: v1beta1.NewConfigObject(config),
		Job:                &v1beta1.JobSpec{CheckpointTriggerNonce: &nonce, AllowNonRestoredState: &allow},
	}}
	return fd, flinkconf.Read(&fd.Spec)
}

// settingName is the key of spec.flinkConfiguration[KEY], else the path.
func settingName(path string) string {
	if rest, ok := strings.CutPrefix(path, "spec.flinkConfiguration["); ok {
		return strings.TrimSuffix(rest, "]")
	}
	return path
}

// unsupportedSourceSettings lists the flinkconf.Key* constants and the
// field.NewPath paths that schemas/validation/unsupported.go names, with
// the constants' values read from schemas/flinkconf.
func unsupportedSourceSettings(t *testing.T) []string {
	t.Helper()
	consts := stringConsts(t, filepath.Join("..", "schemas", "flinkconf"))
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "schemas", "validation", "unsupported.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if pkg, ok := n.X.(*ast.Ident); ok && pkg.Name == "flinkconf" && strings.HasPrefix(n.Sel.Name, "Key") {
				v, ok := consts[n.Sel.Name]
				if !ok {
					t.Errorf("unsupported.go names flinkconf.%s, which is not a string constant in schemas/flinkconf", n.Sel.Name)
				}
				out = append(out, v)
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "NewPath" {
				return true
			}
			var parts []string
			for _, a := range n.Args {
				lit, ok := a.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("unsupported.go: a field.NewPath argument is not a string literal; extend this test")
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				parts = append(parts, s)
			}
			out = append(out, strings.Join(parts, "."))
		}
		return true
	})
	return out
}

// stringConsts reads the string constants declared in a package folder.
func stringConsts(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out[id.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	return out
}
