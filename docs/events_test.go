package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// eventPackages are the folders whose Go files define and emit event reasons.
var eventPackages = []string{"../reconciler", "../reconciler/gate", "../reconciler/sessionjob"}

// TestEveryEventReasonIsDocumented checks docs/events.md against the code:
// every Reason constant has a row, with the type (Normal, Warning) it is
// emitted with, and every row names a reason that exists.
func TestEveryEventReasonIsDocumented(t *testing.T) {
	reasons, types := eventReasons(t)
	if len(reasons) < 10 {
		t.Fatalf("found only %d event reasons in %v; has the code moved?", len(reasons), eventPackages)
	}
	rows := eventTable(t)
	for name, value := range reasons {
		row, ok := rows[value]
		if !ok {
			t.Errorf("event reason %s (%q) is not in docs/events.md", name, value)
			continue
		}
		for typ := range types[name] {
			if !strings.Contains(row, typ) {
				t.Errorf("docs/events.md: %q is emitted as %s, but its row says %q", value, typ, row)
			}
		}
		if len(types[name]) == 0 {
			t.Errorf("%s (%q): no emitting call found, so its type cannot be checked; is it still emitted?", name, value)
		}
	}
	known := map[string]bool{}
	for _, v := range reasons {
		known[v] = true
	}
	for value := range rows {
		if !known[value] {
			t.Errorf("docs/events.md lists %q, which no Reason constant in %v defines", value, eventPackages)
		}
	}
}

// eventTable reads the reason and type columns of the table in events.md.
func eventTable(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("events.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		reason := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if reason == "" || reason == "reason" || strings.HasPrefix(reason, "---") {
			continue
		}
		if _, dup := rows[reason]; dup {
			t.Errorf("docs/events.md lists %q twice", reason)
		}
		rows[reason] = strings.TrimSpace(cells[2])
	}
	return rows
}

// eventReasons returns the string constants named Reason* in the event
// packages, by name, and the event types each is emitted with: "Normal"
// or "Warning" from r.event(obj, "Warning", Reason...), g.event(true,
// Reason...) (true means Warning) and Event{Warning: true, Reason: ...}.
func eventReasons(t *testing.T) (map[string]string, map[string]map[string]bool) {
	t.Helper()
	reasons := map[string]string{}
	types := map[string]map[string]bool{}
	emitted := func(reason, typ string) {
		if types[reason] == nil {
			types[reason] = map[string]bool{}
		}
		types[reason][typ] = true
	}
	fset := token.NewFileSet()
	for _, dir := range eventPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(files)
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, name := range n.Names {
						if !strings.HasPrefix(name.Name, "Reason") || i >= len(n.Values) {
							continue
						}
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							v, _ := strconv.Unquote(lit.Value)
							reasons[name.Name] = v
						}
					}
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "event" {
						return true
					}
					var typ, reason string
					for _, arg := range n.Args {
						if typ == "" {
							typ = eventType(arg)
						}
						if reason == "" {
							reason = reasonName(arg)
						}
					}
					if typ != "" && reason != "" {
						emitted(reason, typ)
					}
				case *ast.CompositeLit:
					if id, ok := n.Type.(*ast.Ident); !ok || id.Name != "Event" {
						return true
					}
					typ, reason := "Normal", ""
					for _, elt := range n.Elts {
						kv, ok := elt.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						switch key := kv.Key.(*ast.Ident); {
						case key != nil && key.Name == "Warning":
							if id, ok := kv.Value.(*ast.Ident); ok && id.Name == "true" {
								typ = "Warning"
							}
						case key != nil && key.Name == "Reason":
							reason = reasonName(kv.Value)
						}
					}
					if reason != "" {
						emitted(reason, typ)
					}
				}
				return true
			})
		}
	}
	return reasons, types
}

// eventType reads an event call's type argument: a "Normal" or "Warning"
// literal, or the gate's warning flag.
func eventType(arg ast.Expr) string {
	switch a := arg.(type) {
	case *ast.BasicLit:
		if v, err := strconv.Unquote(a.Value); err == nil && (v == "Normal" || v == "Warning") {
			return v
		}
	case *ast.Ident:
		switch a.Name {
		case "true":
			return "Warning"
		case "false":
			return "Normal"
		}
	}
	return ""
}

// reasonName is the constant's name for Reason... or pkg.Reason....
func reasonName(arg ast.Expr) string {
	switch a := arg.(type) {
	case *ast.Ident:
		if strings.HasPrefix(a.Name, "Reason") {
			return a.Name
		}
	case *ast.SelectorExpr:
		if strings.HasPrefix(a.Sel.Name, "Reason") {
			return a.Sel.Name
		}
	}
	return ""
}
