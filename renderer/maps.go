package renderer

// Helpers on unstructured maps and lists.

// childMap returns m[key] as a map, adding an empty one when absent.
func childMap(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// overlaid returns base with top's entries over it, as a new map.
func overlaid(base, top map[string]string) map[string]string {
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

func indexOfName(list []any, name string) int {
	for i, item := range list {
		if m, ok := item.(map[string]any); ok && m["name"] == name {
			return i
		}
	}
	return -1
}
